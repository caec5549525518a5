// The classes of error of docs/screening.md ("Canonical words", "Scoring"): each rule with a case
// that failed before it.
#include "screen/canonical.h"

#include <gtest/gtest.h>

#include "screen/scorer.h"
#include "screen/screen.h"

namespace exportctl::screen {
namespace {

using internal::CanonicalWords;
using internal::WadeGilesToPinyin;

std::vector<std::string> Words(std::string_view name) { return internal::NameWords(name); }

TEST(Titles, AreNotNameWords) {
  EXPECT_EQ(Words("Dr. Edison Maya Rios"), Words("Edison Maya Rios"));
  EXPECT_EQ(Words("Sheikh Haji Abdul Samad"), Words("Abdul Samad"));
  EXPECT_EQ(Words("Brigadier General Ali Reza"), Words("Ali Reza"));
  EXPECT_EQ(Words("Monsieur Jean Dupont Jr."), Words("Jean Dupont"));
  EXPECT_GE(CompareNames("Mrs. Ignace Murwanashyaka", "Ignace Murwanashyaka"), kCertainThreshold);
  // A business keeps the word: General Electric is not Electric.
  EXPECT_EQ(Words("General Trading Co")[0], "general");
  EXPECT_EQ(Words("Major")[0], "major");  // a title alone stays a word
}

// The title table covers address, academic, religious, military and political titles across
// languages, and generational suffixes; a title that is the whole name stays a word.
TEST(Titles, AcrossLanguagesAndSuffixes) {
  EXPECT_EQ(Words("Mister Charles J. McVey"), Words("Charles J. McVey"));
  EXPECT_EQ(Words("Doktor Hans Gerd Mueller"), Words("Hans Gerd Mueller"));
  EXPECT_EQ(Words("Dott. Ing. Marco Rossi"), Words("Marco Rossi"));
  EXPECT_EQ(Words("Sra. Maria Lopez"), Words("Maria Lopez"));
  EXPECT_EQ(Words("Imam Anwar Awlaki"), Words("Anwar Awlaki"));
  EXPECT_EQ(Words("Al-Haj Sirajuddin Haqqani"), Words("Sirajuddin Haqqani"));
  EXPECT_EQ(Words("Hajji Ibrahim Ali"), Words("Ibrahim Ali"));
  EXPECT_EQ(Words("Sayyid Hassan Nasrallah"), Words("Hassan Nasrallah"));
  EXPECT_EQ(Words("Emir Abu Bakr Baghdadi"), Words("Abu Bakr Baghdadi"));
  EXPECT_EQ(Words("His Excellency President Nicolas Maduro"), Words("Nicolas Maduro"));
  EXPECT_EQ(Words("Judge Ivan Petrov"), Words("Ivan Petrov"));
  EXPECT_EQ(Words("Colonel Ahmed Yusuf"), Words("Ahmed Yusuf"));
  // Suffixes: Sr is Senior after a name (Señor before it), Roman and ordinal generations, degrees.
  EXPECT_EQ(Words("Charles J. McVey III"), Words("Charles J. McVey"));
  EXPECT_EQ(Words("Charles McVey 2nd"), Words("Charles McVey"));
  EXPECT_EQ(Words("Robert Smith Jnr"), Words("Robert Smith"));
  EXPECT_EQ(Words("Robert Smith Snr."), Words("Robert Smith"));
  EXPECT_EQ(Words("Robert Smith Sr."), Words("Robert Smith"));
  EXPECT_EQ(Words("Sr. Roberto Gomez"), Words("Roberto Gomez"));
  EXPECT_EQ(Words("Ayman Zawahiri MD"), Words("Ayman Zawahiri"));
  EXPECT_EQ(Words("Ayman Zawahiri, Ph.D."), Words("Ayman Zawahiri"));
  EXPECT_GE(CompareNames("Mister Charles J. McVey", "Charles J. McVey"), kCertainThreshold);
  EXPECT_GE(CompareNames("Hajji Ibrahim Ali", "Ibrahim Ali"), kCertainThreshold);
  // A title never clears a name and never makes one: different people stay apart.
  EXPECT_LT(CompareNames("Imam Anwar Awlaki", "Imam Anwar Ibrahim"), kDefaultThreshold);
  EXPECT_LT(CompareNames("Colonel Ahmed Yusuf", "Colonel Ahmed Khalil"), kDefaultThreshold);
  // A title or suffix that is the whole name stays; a business keeps its words and numbers.
  EXPECT_EQ(Words("Judge"), (std::vector<std::string>{"judge"}));
  EXPECT_EQ(Words("President Trading Co")[0], "president");
  EXPECT_LT(CompareNames("Harmony Holdings II", "Harmony Holdings III"), kDefaultThreshold);
}

TEST(LegalForms, WrittenOutEqualsAbbreviation) {
  EXPECT_EQ(Words("Siemens Aktiengesellschaft"), Words("Siemens AG"));
  EXPECT_EQ(Words("Kraftwerk Gesellschaft mit beschränkter Haftung"), Words("Kraftwerk GmbH"));
  EXPECT_EQ(Words("Home Credit Limited Liability Company"), Words("Home Credit LLC"));
  EXPECT_EQ(Words("Citadel Société Anonyme"), Words("Citadel S.A."));
  EXPECT_EQ(Words("Angstrem Joint Stock Company"), Words("Angstrem JSC"));
  EXPECT_EQ(Words("华为技术有限公司"), Words("Hua Wei Ji Shu Co., Ltd."));
  EXPECT_GE(CompareNames("Angstrem Joint Stock Company", "ANGSTREM JSC"), kCertainThreshold);
  // Initials are not a legal form at the start of a name.
  EXPECT_EQ(Words("S. A. Khan")[0], "s");
}

// Legal forms of more languages, written out or spelled as letters, meet their abbreviations; the
// Russian and Ukrainian forms also meet the English ones the lists write (ООО is an LLC).
TEST(LegalForms, MoreLanguagesAndLetters) {
  EXPECT_EQ(Words("Volvo Aktiebolag"), Words("Volvo AB"));
  EXPECT_EQ(Words("Elektrim Spolka z ograniczona odpowiedzialnoscia"), Words("Elektrim Sp. z o.o."));
  EXPECT_EQ(Words("Romashka Obshchestvo s Ogranichennoy Otvetstvennostyu"), Words("Romashka OOO"));
  EXPECT_EQ(Words("Общество с ограниченной ответственностью Ромашка"), Words("OOO Romashka"));
  EXPECT_EQ(Words("OOO Romashka"), Words("Limited Liability Company Romashka"));
  EXPECT_EQ(Words("Zakrytoe Aktsionernoe Obshchestvo Almaz"), Words("ZAO Almaz"));
  EXPECT_EQ(Words("Otkrytoye Aktsionernoye Obshchestvo Almaz"), Words("Open Joint Stock Company Almaz"));
  EXPECT_EQ(Words("PAO Almaz"), Words("PJSC Almaz"));
  EXPECT_EQ(Words("Aktsionernoe Obshchestvo Almaz"), Words("AO Almaz"));
  EXPECT_EQ(Words("Nokia Osakeyhtio"), Words("Nokia Oy"));
  EXPECT_EQ(Words("Maersk A/S"), Words("Maersk Aktieselskab"));
  EXPECT_EQ(Words("Acme Pty. Ltd."), Words("Acme Proprietary Limited"));
  EXPECT_EQ(Words("Sugon Singapore Pte. Ltd."), Words("Sugon Singapore Private Limited"));
  EXPECT_EQ(Words("Petronas Sdn. Bhd."), Words("Petronas Sendirian Berhad"));
  EXPECT_EQ(Words("Sony K.K."), Words("Sony Kabushiki Kaisha"));
  EXPECT_EQ(Words("ソニー株式会社").back(), "kk");
  EXPECT_EQ(Words("Ferrari S.r.l."), Words("Ferrari Societa a responsabilita limitata"));
  EXPECT_EQ(Words("Philips N.V."), Words("Philips Naamloze Vennootschap"));
  EXPECT_GE(CompareNames("Elektrim Spolka z ograniczona odpowiedzialnoscia", "ELEKTRIM SP. Z O.O."), kCertainThreshold);
  EXPECT_GE(CompareNames("Petronas Sendirian Berhad", "PETRONAS SDN BHD"), kCertainThreshold);
  // A shared legal form never makes a match.
  EXPECT_LT(CompareNames("Almaz Obshchestvo s Ogranichennoy Otvetstvennostyu", "OOO Rubin"), kDefaultThreshold);
  EXPECT_LT(CompareNames("Volvo Aktiebolag", "Scania AB"), kDefaultThreshold);
  // Letters are a legal form only at the end of a name: "A. S. Khan" keeps its initials.
  EXPECT_EQ(Words("A. S. Khan")[0], "a");
}

TEST(Digits, ForLettersInsideWordsOfLetters) {
  EXPECT_EQ(CanonicalWords({"h0ngda", "tr4ding", "jo1nt", "a1i", "sys7em"}),
            (std::vector<std::string>{"hongda", "trading", "joint", "ali", "system"}));
  // Model numbers and codes stay as they are.
  EXPECT_EQ(CanonicalWords({"su35", "mig29", "3m", "a4", "x7"}),
            (std::vector<std::string>{"su35", "mig29", "3m", "a4", "x7"}));
  EXPECT_GE(CompareNames("SP3KTR ENGINEERING DESIGN BUREAU", "SPEKTR ENGINEERING DESIGN BUREAU"),
            kDefaultThreshold);
}

// Several digits for letters among the letters of a word are read as letters; a block of digits
// at an end of a word is a model or series number, and numbers that differ never match.
TEST(Digits, SeveralAmongTheLetters) {
  EXPECT_EQ(CanonicalWords({"p00tin", "s4m4t4", "r4d10tester", "k0r3a", "n4t10nal"}),
            (std::vector<std::string>{"pootin", "samata", "radiotester", "korea", "national"}));
  EXPECT_EQ(CanonicalWords({"su35", "b737", "tu154", "3m", "4x4", "1337"}),
            (std::vector<std::string>{"su35", "b737", "tu154", "3m", "4x4", "1337"}));
  EXPECT_GE(CompareNames("Vladimir P00tin", "Vladimir Putin"), kDefaultThreshold);
  EXPECT_GE(CompareNames("S4m4t4", "Samata"), kCertainThreshold);
  EXPECT_GE(CompareNames("R4d10tester", "Radiotester"), kCertainThreshold);
  EXPECT_GE(CompareNames("G4zpr0mb4nk", "Gazprombank"), kCertainThreshold);
  EXPECT_GE(CompareNames("4hm4d Sh4h M4s00d", "Ahmad Shah Masood"), kCertainThreshold);
  EXPECT_LT(CompareNames("Tu154 Service", "Tu134 Service"), kDefaultThreshold);
  EXPECT_LT(CompareNames("B737 Leasing", "B747 Leasing"), kDefaultThreshold);
  EXPECT_LT(CompareNames("Atlas Fund 3", "Atlas Fund 4"), kDefaultThreshold);
  EXPECT_LT(CompareNames("Series II", "Series III"), kDefaultThreshold);
  EXPECT_LT(CompareNames("Orbit Series II", "Orbit Series III"), kDefaultThreshold);
  EXPECT_LT(CompareNames("S4m4t4", "Sumitomo"), kDefaultThreshold);
}

TEST(Numbers, WrittenOutEqualsNumeralsButSeriesDiffer) {
  EXPECT_EQ(CanonicalWords({"forty", "four", "trading"}), (std::vector<std::string>{"44", "trading"}));
  EXPECT_EQ(Words("Rey Airlines No. Forty-Nine"), Words("Rey Airlines 49"));
  EXPECT_EQ(Words("Asyaf Shipping IV"), Words("Asyaf Shipping 4"));
  EXPECT_GE(CompareNames("Korea Ryengwang Thirty-Six Fund", "KOREA RYENGWANG 36 FUND"),
            kDefaultThreshold);
  EXPECT_LT(CompareNames("Chemical Industries Group Fund 7", "CHEMICAL INDUSTRIES GROUP FUND 8"),
            kDefaultThreshold);
  EXPECT_LT(CompareNames("Denisovsky Mine Trading VI", "DENISOVSKY MINE TRADING VII"),
            kDefaultThreshold);
}

TEST(Initials, StandForGivenNames) {
  EXPECT_GE(CompareNames("J.-C. Juncker", "Jean-Claude Juncker"), kDefaultThreshold);
  EXPECT_GE(CompareNames("A. Qadeer Khan", "Abdul Qadeer Khan"), kDefaultThreshold);
  EXPECT_LT(CompareNames("K. Juncker", "Jean-Claude Juncker"), kDefaultThreshold);
  EXPECT_LT(CompareNames("J. Mqallad", "Firas Mqallad"), kDefaultThreshold);
  // An initial alone never makes a match.
  EXPECT_EQ(CompareNames("J. K.", "John Kennedy"), 0.0);
}

TEST(FamilyNames, CarryTheIdentity) {
  EXPECT_LT(CompareNames("Victor Aliaksandravich Sidorenko", "Victor Aliaksandravich Lukashenka"),
            0.6);
  EXPECT_LT(CompareNames("Mohammed Salim Mustafa Al-Mansur", "Muhammed Salim Mustafa Al Ashqar"),
            kDefaultThreshold);
  EXPECT_GE(CompareNames("Victor Lukashenka", "Victor Aliaksandravich Lukashenka"),
            kDefaultThreshold);
}

TEST(Chinese, WadeGilesIsReadAsPinyin) {
  EXPECT_EQ(WadeGilesToPinyin("Mao Tse-tung"), "mao ze-dong");
  EXPECT_EQ(WadeGilesToPinyin("Hsi Chin-p'ing"), "xi jin-ping");
  EXPECT_EQ(WadeGilesToPinyin("Teng Hsiao-p’ing"), "deng xiao-ping");
  EXPECT_EQ(WadeGilesToPinyin("Xi Jinping"), "Xi Jinping");    // pinyin already
  EXPECT_EQ(WadeGilesToPinyin("John Tung"), "John Tung");      // not all Chinese syllables
  EXPECT_EQ(WadeGilesToPinyin("Chen Wei"), "Chen Wei");        // nothing only Wade-Giles writes
  EXPECT_GE(CompareNames("Mao Tse-tung", "Mao Zedong"), kCertainThreshold);
  EXPECT_GE(CompareNames("Hsi Chin-p'ing", "Xi Jinping"), kCertainThreshold);
}

TEST(Korean, RevisedRomanizationAndMcCuneReischauerKeepVowels) {
  EXPECT_EQ(FoldToAscii("김정은"), "kim jeong eun");
  EXPECT_EQ(FoldToAsciiKoreanAsListed("김정은"), "kim jong un");
  EXPECT_EQ(FoldToAscii("Chŏng Ŭn"), "cheong eun");  // McCune-Reischauer breves
  EXPECT_GE(CompareNames("김정은", "Kim Jeong-eun"), kCertainThreshold);
  EXPECT_GE(CompareNames("김정은", "Kim Jong Un"), kCertainThreshold);  // as the lists spell it
  EXPECT_GE(CompareNames("Kim Chŏng-ŭn", "Kim Jeong-eun"), kDefaultThreshold);
  EXPECT_LT(CompareNames("김종은", "김정은"), kDefaultThreshold);  // 종 ≠ 정
  EXPECT_LT(CompareNames("Kim Jong-eun", "Kim Jeong-eun"), kDefaultThreshold);
  EXPECT_TRUE(internal::DifferentKoreanVowels("jong", "jeong"));
  EXPECT_FALSE(internal::DifferentKoreanVowels("jong", "jong"));
}

TEST(Arabic, ArticlesAndMuhammadSpellings) {
  EXPECT_EQ(Words("Abd El-Haq"), Words("Abd Al-Haq"));
  EXPECT_GE(CompareNames("Mohamed al Hassan", "Muhammad Alhassan"), kCertainThreshold);
  EXPECT_EQ(Words("Nur ad-Din"), Words("Nur al-Din"));
  EXPECT_EQ(Words("Ali ibn Hussein"), Words("Ali bin Hussein"));
  EXPECT_GE(CompareNames("Muhammad Abu Hatim el Shaqra", "Mohammad Abu Hatim Al-Shaqra"),
            kCertainThreshold);
}

// The article is its own word (a stop word) in every spelling, so a name meets itself with or
// without it; X al-Din compounds are one word in every spelling.
TEST(Arabic, ArticleWithOrWithoutAndSunLetters) {
  EXPECT_EQ(Words("Hassan el-Masri"), Words("Hassan al-Masri"));
  EXPECT_EQ(Words("Omar ash-Shami"), Words("Omar al-Shami"));
  EXPECT_EQ(Words("Yusuf an-Nuri"), Words("Yusuf al-Nuri"));
  EXPECT_EQ(Words("Tariq az-Zawahiri"), Words("Tariq al-Zawahiri"));
  EXPECT_EQ(Words("Nur al-Din al-Dibiski"), Words("Nuruddin ad-Dibiski"));
  EXPECT_GE(CompareNames("Noureddine", "Nuruddin"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Abd al-Rahman", "Abdul Rahman"), kCertainThreshold);
  EXPECT_GE(CompareNames("Abdulrahman", "Abd al-Rahman"), kDefaultThreshold);
  EXPECT_EQ(Words("Zia ul Haq"), Words("Ziaul Haq"));
  EXPECT_GE(CompareNames("Faqih", "al-Faqih"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Hassan Masri", "Hassan al-Masri"), kCertainThreshold);
  EXPECT_GE(CompareNames("Hassan al-Masri", "Hassan Masri"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Nuruddin Dibiski", "Nur al-Din al-Dibiski"), kCertainThreshold);
  EXPECT_GE(CompareNames("Noureddine Dibiski", "Nur al-Din al-Dibiski"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Hassan Almasri", "Hassan al-Masri"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Abdurrahman Hasan", "Abd al-Rahman Hasan"), kDefaultThreshold);
  // The article never makes a match: different family names stay apart.
  EXPECT_LT(CompareNames("Hassan al-Masri", "Hassan al-Tikriti"), kDefaultThreshold);
  EXPECT_LT(CompareNames("Nur al-Din al-Dibiski", "Nur al-Din al-Zangi"), kDefaultThreshold);
  EXPECT_LT(CompareNames("al-Faqih", "al-Fadl"), kDefaultThreshold);
}

TEST(Cyrillic, GostAndBgnMeet) {
  EXPECT_EQ(FoldToAscii("Хрущёв"), "khrushchev");  // BGN/PCGN, as the lists write it
  EXPECT_EQ(FoldToAscii("Ščerbakov"), "shcherbakov");
  EXPECT_GE(CompareNames("Юрий Щербаков", "Yuriy Shcherbakov"), kCertainThreshold);
  EXPECT_GE(CompareNames("Igor Vsevolodovič Girkin", "Igor Vsevolodovich Girkin"),
            kCertainThreshold);
}

// Russian names in the romanizations lists mix (ICAO, GOST, BGN/PCGN, German and French
// habits) meet; different surnames stay apart.
TEST(Cyrillic, RomanizationsMeet) {
  EXPECT_EQ(Words("Iurii"), Words("Yuriy"));
  EXPECT_EQ(Words("Yury"), Words("Yurij"));
  EXPECT_EQ(Words("Kuznecov"), Words("Kuznetsov"));
  EXPECT_EQ(Words("Evgenii"), Words("Yevgeniy"));
  EXPECT_EQ(Words("Iuliia"), Words("Yuliya"));
  EXPECT_EQ(Words("Fyodor"), Words("Fedor"));
  EXPECT_EQ(Words("Tolstoj"), Words("Tolstoy"));
  EXPECT_EQ(Words("Aleksandr"), Words("Alexandr"));
  EXPECT_GE(CompareNames("Iurii Kuznecov", "Yuriy Kuznetsov"), kCertainThreshold);
  EXPECT_GE(CompareNames("Aleksandr Hodorkovskij", "Alexander Khodorkovsky"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Dmitrij Cvetkov", "Dmitriy Tsvetkov"), kCertainThreshold);
  EXPECT_GE(CompareNames("Vasilii Shuiskii", "Vasiliy Shuyskiy"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Igor Mixajlovich Stramilov", "Igor Mikhailovich Stramilov"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Fedor Emelianenko", "Fyodor Yemelyanenko"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Юрий Кузнецов", "Iurii Kuznecov"), kCertainThreshold);
  EXPECT_LT(CompareNames("Iurii Kuznecov", "Yuriy Kovalev"), kDefaultThreshold);
  EXPECT_LT(CompareNames("Evgenii Zhukov", "Yevgeniy Zhuravlev"), kDefaultThreshold);
  // Pinyin is left as written, so a name split into syllables still meets its joined spelling.
  EXPECT_EQ(Words("Yezhen"), (std::vector<std::string>{"yezhen"}));
  EXPECT_GE(CompareNames("海康威视", "Haikang Weishi"), kDefaultThreshold);
}

TEST(Scripts, ThroughIcuAndUnreadableOnesAreSaid) {
  EXPECT_GE(CompareNames("निकॊलै स्मिर्नॊव्", "Nikolai Smirnov"), kDefaultThreshold);
  EXPECT_GE(CompareNames("ნიქოლაი სმირნოვ", "Nikolai Smirnov"), kDefaultThreshold);
  EXPECT_GE(CompareNames("նիկոլաի սմիրնով", "Nikolai Smirnov"), kDefaultThreshold);
  EXPECT_GE(CompareNames("ኒኮለኢ ስሚርኖቭ", "Nikolai Smirnov"), kDefaultThreshold);
  EXPECT_EQ(FoldToAscii("นิโกลัย"), "nikolay");  // Thai: one word, not its syllables
  EXPECT_GE(CompareNames("Николай Смирнов", "Nikolay Smirnov"), kCertainThreshold);
  EXPECT_LT(CompareNames("निकॊलै स्मिर्नॊव्", "Nikolai Petrov"), kDefaultThreshold);
  EXPECT_LT(CompareNames("ნიქოლაი სმირნოვ", "Nikolai Petrov"), kDefaultThreshold);
  // A script without a transliteration (Tifinagh): never silently dropped.
  EXPECT_EQ(UnreadableWords("ⵜⵉⴼⵉⵏⴰⵖ Sen"), (std::vector<std::string>{"ⵜⵉⴼⵉⵏⴰⵖ"}));
  auto index = Screener::Build({});
  auto whole = index->Compare("ⵜⵉⴼⵉⵏⴰⵖ ⴰⵎⴰⵣⵉⵖ", "Hun Sen");
  ASSERT_FALSE(whole.ok());
  EXPECT_EQ(whole.status().field(), "name");
  EXPECT_NE(whole.status().message().find("cannot read"), std::string::npos);
  EXPECT_FALSE(NameWarnings("ⵜⵉⴼⵉⵏⴰⵖ Sen").empty());
}

// Khmer has no ICU transliteration; src/screen/khmer.cc romanizes it (UNGEGN letters).
TEST(Scripts, KhmerIsRomanized) {
  // Consonant series and the vowels they change: ុ o/u, ី ei/i, ា a/ea; ៊ and ៉ shift the series.
  EXPECT_EQ(FoldToAscii("ហ៊ុន សែន"), "hun sen");
  EXPECT_EQ(FoldToAscii("សុខ ហេង"), "sok heng");
  EXPECT_EQ(FoldToAscii("ជា ស៊ីម"), "chea sim");
  EXPECT_EQ(FoldToAscii("ស្រី"), "srey");  // ី ending a word: y
  EXPECT_EQ(FoldToAscii("ម៉ាលី"), "maly");
  EXPECT_EQ(FoldToAscii("ស៊ីម"), "sim");
  // Subscript consonants (coeng), nikahit, reahmuk, bantoc, final consonants, one word per run.
  EXPECT_EQ(FoldToAscii("ភ្នំពេញ"), "phnompenh");
  EXPECT_EQ(FoldToAscii("ព្រះ"), "preah");
  EXPECT_EQ(FoldToAscii("កោះកុង"), "kohkong");
  EXPECT_EQ(FoldToAscii("ចាន់ឌី"), "chandy");
  EXPECT_EQ(FoldToAscii("ណាំហុង"), "namhong");
  EXPECT_EQ(FoldToAscii("ទ្រី ភាព"), "try pheap");  // a second-series stop with subscript ro
  EXPECT_EQ(FoldToAscii("ខ្មែរ"), "khmer");
  // Independent vowels, digits and punctuation.
  EXPECT_EQ(FoldToAscii("ឫទ្ធី"), "ritthy");
  EXPECT_EQ(FoldToAscii("អាន ១២៣"), "an 123");
  EXPECT_EQ(FoldToAscii("សុខា។"), "sokha");
  EXPECT_TRUE(UnreadableWords("ហ៊ុន Sen").empty());
  EXPECT_TRUE(NameWarnings("ហ៊ុន សែន").empty());
  // Listed Cambodians (SDN, GLOMAG) written in Khmer meet their listed Latin names; the order
  // (family name first) does not matter.
  EXPECT_GE(CompareNames("ហ៊ុន សែន", "Hun Sen"), kDefaultThreshold);
  EXPECT_GE(CompareNames("ទ្រី ភាព", "Try Pheap"), kDefaultThreshold);
  EXPECT_GE(CompareNames("ចៅ ភិរុណ", "Phirun Chau"), kDefaultThreshold);
  EXPECT_GE(CompareNames("ហ៊ីង ប៊ុនហៀង", "Hing Bun Heang"), kDefaultThreshold);
  EXPECT_GE(CompareNames("ភ្នំពេញ Hotel", "PHNOM PENH HOTEL"), kDefaultThreshold);
  // Different people stay apart.
  EXPECT_LT(CompareNames("ហ៊ុន សែន", "Sok Heng"), kDefaultThreshold);
  EXPECT_LT(CompareNames("គីម សុផារី", "Kim Phara"), kDefaultThreshold);
  auto index = Screener::Build({});
  EXPECT_TRUE(index->Compare("ហ៊ុន សែន", "Hun Sen").ok());  // no longer refused
}

// A query that contains a listed business's whole name, with words after it, is that business
// (fail closed); a name over kMaxNameChars is refused, naming the field.
TEST(Containment, WordsAfterAListedBusinessName) {
  EXPECT_GE(CompareNames("Huawei Technologies Co., Ltd. Procurement Department", "Huawei Technologies Co., Ltd."),
            kCertainThreshold);
  EXPECT_GE(CompareNames("Huawei Technologies Co Ltd Shenzhen Branch Office Attn John Smith",
                         "Huawei Technologies Co., Ltd."),
            kCertainThreshold);
  EXPECT_GE(CompareNames("Huawei Technologies Procurement Department", "Huawei Technologies Co., Ltd."),
            kDefaultThreshold);
  EXPECT_GE(CompareNames("Rosoboronexport JSC Moscow Representative Office", "ROSOBORONEXPORT JSC"),
            kDefaultThreshold);
  EXPECT_GE(CompareNames("Rosoboronexport JSC Attention Ivan Petrov", "ROSOBORONEXPORT JSC"), kCertainThreshold);
  // Another business with the same legal form and words is not.
  EXPECT_LT(CompareNames("Acme Technologies Co., Ltd. Procurement Department", "Huawei Technologies Co., Ltd."),
            kDefaultThreshold);
  // A person's name is not cut.
  EXPECT_LT(CompareNames("Renata Sa Costa", "Renata Sa"), kCertainThreshold);
  LoadedList list;
  list.version.list_id = "test";
  ListRecord r;
  r.record_id = "1";
  r.type = PartyType::kEntity;
  r.name = "HUAWEI TECHNOLOGIES CO., LTD.";
  list.records.push_back(r);
  auto index = Screener::Build({list});
  auto hits = index->Screen({.name = "Huawei Technologies Co., Ltd. Procurement Department"});
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_GE((*hits)[0].score, kCertainThreshold);
  ASSERT_FALSE((*hits)[0].query_notes.empty());
  EXPECT_NE((*hits)[0].query_notes.back().find("also screened as"), std::string::npos);
  const std::string long_name(kMaxNameChars + 1, 'a');
  auto refused = index->Screen({.name = long_name});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "name");
  auto compared = index->Compare("Huawei", long_name);
  ASSERT_FALSE(compared.ok());
  EXPECT_EQ(compared.status().field(), "listed_name");
  EXPECT_TRUE(index->Screen({.name = std::string(kMaxNameChars, 'a')}).ok());
}

// `screen compare` and `screen` give a pair the same score (the list's word weights included).
TEST(Compare, AgreesWithScreen) {
  LoadedList list;
  list.version.list_id = "test";
  auto add = [&](std::string id, PartyType type, std::string name) {
    ListRecord r;
    r.record_id = std::move(id);
    r.type = type;
    r.name = std::move(name);
    list.records.push_back(std::move(r));
  };
  add("1", PartyType::kIndividual, "JUNCKER, Jean-Claude");
  add("2", PartyType::kEntity, "Siemens Aktiengesellschaft");
  add("3", PartyType::kUnknown, "MAO, Zedong");
  add("4", PartyType::kIndividual, "KIM, Jong Un");
  add("5", PartyType::kIndividual, "AL-HASSAN, Mohammed Ali");
  add("6", PartyType::kEntity, "Hongda Trading Co., Ltd.");
  add("7", PartyType::kEntity, "SUGON");
  add("8", PartyType::kIndividual, "PUTIN, Vladimir Vladimirovich");
  auto index = Screener::Build({list});
  for (const char* q : {"J.-C. Juncker", "Siemens AG", "Mao Tse-tung", "김정은", "Mohamed Ali el Hassan",
                        "H0ngda Tr4ding", "Dr. Jean Claude Juncker", "Sugon Singapore Pte Ltd",
                        "Vladimir Putin"}) {
    auto hits = index->Screen({.name = q, .threshold = 0.5});
    ASSERT_TRUE(hits.ok()) << q;
    ASSERT_FALSE(hits->empty()) << q;
    for (const Hit& h : *hits) {
      auto compared = index->Compare(q, h.matched_name, h.record->type);
      ASSERT_TRUE(compared.ok()) << q;
      EXPECT_NEAR(*compared, h.score, 1e-9) << q << " / " << h.matched_name;
      // `screen compare` does not know the record's type: the listed name is found in the lists.
      auto untyped = index->Compare(q, h.matched_name);
      ASSERT_TRUE(untyped.ok()) << q;
      EXPECT_NEAR(*untyped, h.score, 1e-9) << q << " / " << h.matched_name;
      EXPECT_GE(h.score, kDefaultThreshold) << q << " / " << h.Explain();
    }
  }
  // Without lists, a business query meets a bare listed name as an entity's, as Screen() would.
  EXPECT_GE(CompareNames("Sugon Singapore Pte Ltd", "Sugon"), kDefaultThreshold);
}

}  // namespace
}  // namespace exportctl::screen

namespace exportctl::screen {
namespace {
// Different pinyin syllables are different characters: "zhan" is not "zhang" (most false positives
// of Chinese-character names paired such syllables); other romanizations of one syllable still pair.
TEST(PinyinSyllables, DifferentSyllablesAreDifferentNames) {
  EXPECT_TRUE(internal::DifferentPinyinSyllables("zhan", "zhang"));
  EXPECT_TRUE(internal::DifferentPinyinSyllables("jia", "jian"));
  EXPECT_TRUE(internal::DifferentPinyinSyllables("jiarong", "jiadong"));
  EXPECT_FALSE(internal::DifferentPinyinSyllables("zhang", "chang"));
  EXPECT_FALSE(internal::DifferentPinyinSyllables("chunyen", "chunyan"));
  EXPECT_FALSE(internal::DifferentPinyinSyllables("tania", "tanya"));      // no syllable shared
  EXPECT_FALSE(internal::DifferentPinyinSyllables("sofianne", "sofiane"));  // three syllables
  EXPECT_FALSE(internal::DifferentPinyinSyllables("ivanov", "ivanova"));    // not pinyin
  EXPECT_LT(CompareNames("Jia Zhang", "Jian Zhang"), kDefaultThreshold);
  EXPECT_GE(CompareNames("Zhang Jian", "Jian Zhang"), kDefaultThreshold);
}
}  // namespace
}  // namespace exportctl::screen
