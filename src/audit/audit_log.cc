// What every audit backend shares: the canonical form and hash of a record, anchors, times and
// ids, opening a log by location, and the export formats.
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "audit/audit_log.h"
#include "core/csv_writer.h"
#include "audit/crypto.h"
#include "core/json_writer.h"
#include "core/data_dir.h"
#include "core/postgres_module.h"

namespace exportctl::audit {

const char* DurabilityName(Durability d) {
  switch (d) {
    case Durability::kFsync: return "fsync";
    case Durability::kProcessCrash: return "process-crash";
  }
  return "fsync";
}

std::string CanonicalRecord(const AuditRecord& r) {
  std::string out;
  out.reserve(r.payload.size() + 256);
  JsonWriter w(out);
  w.BeginArray()
      .String("exportctl-audit/1")
      .Integer(r.seq)
      .String(r.id)
      .String(r.kind)
      .String(r.time)
      .String(r.actor)
      .String(r.prev_hash)
      .String(r.payload)
      .EndArray();
  return out;
}

std::string RecordHash(const AuditRecord& r) { return Sha256Hex(CanonicalRecord(r)); }

Result<Anchor> ParseAnchor(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::Invalid("anchor", "expected SEQ:HASH as printed by `audit head`");
  }
  Anchor a;
  try {
    size_t used = 0;
    a.seq = std::stoll(text.substr(0, colon), &used);
    if (used != colon || a.seq < 1) throw std::invalid_argument("seq");
  } catch (const std::exception&) {
    return Status::Invalid("anchor", "SEQ must be a positive integer");
  }
  a.hash = text.substr(colon + 1);
  if (a.hash.size() != 64 || a.hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::Invalid("anchor", "HASH must be 64 lower-case hex digits");
  }
  return a;
}

std::string FormatTime(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

std::string NewEventId(const std::string& prefix) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char time_hex[16];
  std::snprintf(time_hex, sizeof time_hex, "%011llx",
                static_cast<unsigned long long>(ms) & 0xfffffffffffULL);
  return prefix + time_hex + RandomHex(8).substr(0, 15);
}

void AppendRecordJsonl(const AuditRecord& r, std::string& out) {
  JsonWriter w(out);
  w.BeginObject()
      .Field("seq", r.seq)
      .Field("id", r.id)
      .Field("kind", r.kind)
      .Field("time", r.time)
      .Field("actor", r.actor)
      .Key("payload")
      .Raw(r.payload)
      .Field("prev_hash", r.prev_hash)
      .Field("hash", r.hash)
      .EndObject();
}

void AppendRecordCsvHeader(std::string& out) {
  out += "seq,id,kind,time,actor,payload,prev_hash,hash";
}

void AppendRecordCsv(const AuditRecord& r, std::string& out) {
  out += std::to_string(r.seq);
  for (const std::string* f : {&r.id, &r.kind, &r.time, &r.actor, &r.payload, &r.prev_hash,
                               &r.hash}) {
    out += ',';
    AppendCsvText(*f, out, CsvQuoting::kAlways);  // neutralised like every CSV cell we write
  }
}

void AppendVerifyReportJson(const VerifyReport& r, std::string& out) {
  JsonWriter w(out);
  w.BeginObject()
      .Field("ok", r.ok)
      .Field("records_checked", r.records_checked)
      .Field("head_seq", r.head_seq)
      .Field("head_hash", r.head_hash);
  if (!r.ok) {
    w.Key("first_bad").BeginObject().Field("seq", r.first_bad_seq);
    if (!r.first_bad_id.empty()) w.Field("id", r.first_bad_id);
    w.Field("problem", r.problem).EndObject();
  }
  w.EndObject();
}

bool IsPostgresUrl(const std::string& location) { return exportctl::IsPostgresUrl(location); }

std::string RedactLocation(const std::string& location) {
  if (!IsPostgresUrl(location)) return location;
  const size_t scheme = location.find("://") + 3;
  const size_t at = location.find('@', scheme);
  if (at == std::string::npos) return location;
  const size_t colon = location.find(':', scheme);
  if (colon == std::string::npos || colon > at) return location;
  return location.substr(0, colon + 1) + "***" + location.substr(at);
}

Result<std::unique_ptr<AuditLog>> OpenAuditLog(const AuditLogOptions& options) {
  if (!IsPostgresUrl(options.location)) {
    return OpenSqliteAuditLog({.path = options.location,
                               .clock = options.clock,
                               .read_only = options.read_only,
                               .durability = options.durability});
  }
  return CallPostgresModule<std::unique_ptr<AuditLog>>(PostgresModule::kAudit,
                                                       "exportctl_postgres_open_audit_log", options);
}

}  // namespace exportctl::audit
