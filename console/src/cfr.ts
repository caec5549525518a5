// Links a CFR citation ("15 CFR 742.6(a)(6)(iii)(A)") to its eCFR section. The link is built
// from the digits parsed out of the citation, never from the citation text itself.
const SECTION = /\b(\d{1,2})\s*CFR\s*(?:§\s*)?(\d{1,4})\.(\d{1,4})((?:\([0-9A-Za-z]{1,6}\))*)/;
const PART = /\b(\d{1,2})\s*CFR\s*(?:part|Part)\s*(\d{1,4})\b/;

export function ecfrUrl(citation: string): string | null {
  const s = SECTION.exec(citation);
  if (s) {
    const [, title, part, section, paragraphs] = s;
    const base = `https://www.ecfr.gov/current/title-${title}/part-${part}/section-${part}.${section}`;
    return paragraphs ? `${base}#p-${part}.${section}${paragraphs}` : base;
  }
  const p = PART.exec(citation);
  if (p) return `https://www.ecfr.gov/current/title-${p[1]}/part-${p[2]}`;
  return null;
}
