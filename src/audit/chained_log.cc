#include "audit/chained_log.h"

namespace exportctl::audit::internal {

std::string AuditTablesSql(const char* seq_primary_key) {
  return std::string("CREATE TABLE IF NOT EXISTS audit_records (\n  seq       ") +
         seq_primary_key + R"sql(,
  id        TEXT NOT NULL UNIQUE,
  kind      TEXT NOT NULL,
  time      TEXT NOT NULL,
  actor     TEXT NOT NULL,
  payload   TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records(time);
CREATE TABLE IF NOT EXISTS audit_head (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  seq       BIGINT NOT NULL,
  hash      TEXT NOT NULL
);
INSERT INTO audit_head(singleton, seq, hash) VALUES (1, 0, ')sql" +
         kGenesisHash + R"sql(') ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO audit_meta(key, value) VALUES ('format', 'exportctl-audit/1') ON CONFLICT DO NOTHING;
)sql";
}

bool LooksLikeJsonContainer(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  const size_t last = s.find_last_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;
  return (s[first] == '{' && s[last] == '}') || (s[first] == '[' && s[last] == ']');
}

std::string UpperBound(const std::string& to) {
  if (to.size() == 10) return to + "T23:59:59.999Z";
  return to;
}

ChainedAuditLog::ChainedAuditLog(WallClock clock, bool read_only)
    : clock_(std::move(clock)), read_only_(read_only) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

Result<AuditRecord> ChainedAuditLog::Append(AuditEntry entry) {
  std::vector<AuditEntry> one;
  one.push_back(std::move(entry));
  return std::move(AppendMany(std::move(one)).front());
}

std::vector<Result<AuditRecord>> ChainedAuditLog::AppendMany(std::vector<AuditEntry> entries) {
  std::vector<std::optional<Result<AuditRecord>>> early(entries.size());
  std::vector<Pending> pending;
  pending.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    AuditEntry& e = entries[i];
    if (read_only_) {
      early[i] = Status::Error(ErrorCode::kInternal, "", "audit log opened read-only");
    } else if (e.kind.empty()) {
      early[i] = Status::Invalid("kind", "must not be empty");
    } else if (!LooksLikeJsonContainer(e.payload)) {
      early[i] = Status::Invalid("payload", "must be a JSON object or array");
    } else {
      if (e.id.empty()) e.id = NewEventId();
      pending.push_back(Pending{std::move(e), std::nullopt, nullptr});
    }
  }
  if (!pending.empty()) {
    // Group commit without a writer thread: whoever finds no write in progress becomes the
    // leader and writes everything queued so far in one transaction; the others wait, and one
    // of them leads the next batch. Alone, an append costs no thread hand-off. Each caller
    // waits on its own condition: a batch wakes those it wrote and the one that leads next,
    // not every waiter (on a busy machine each needless wake-up costs a context switch).
    Waiter me;
    std::unique_lock<std::mutex> lock(mu_);
    for (Pending& p : pending) {
      p.waiter = &me;
      queue_.push_back(&p);
    }
    while (!pending.back().result.has_value()) {
      if (writing_) {
        me.cv.wait(lock);
        continue;
      }
      writing_ = true;
      std::vector<Pending*> batch(queue_.begin(), queue_.end());
      queue_.clear();
      lock.unlock();
      std::vector<Result<AuditRecord>> written = WriteBatch(batch);
      lock.lock();
      writing_ = false;
      const Waiter* woken = &me;
      for (size_t i = 0; i < batch.size(); ++i) {
        batch[i]->result.emplace(std::move(written[i]));
        if (batch[i]->waiter != woken) {  // one caller's entries are queued together
          woken = batch[i]->waiter;
          batch[i]->waiter->cv.notify_one();
        }
      }
      if (!queue_.empty()) queue_.front()->waiter->cv.notify_one();  // leads the next batch
    }
  }
  std::vector<Result<AuditRecord>> results;
  results.reserve(entries.size());
  size_t next = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (early[i]) {
      results.push_back(std::move(*early[i]));
    } else {
      results.push_back(std::move(*pending[next++].result));
    }
  }
  return results;
}

// Appends the batch in one transaction (one fsync); a duplicate id fails only its own entry.
// Called by the leader without mu_; returns one result per entry.
std::vector<Result<AuditRecord>> ChainedAuditLog::WriteBatch(const std::vector<Pending*>& batch) {
  std::vector<Result<AuditRecord>> results;
  const Status st = WriteTransaction([&](ChainTxn& txn) -> Status {
    results.clear();  // a backend may run fn again after a transient failure
    results.reserve(batch.size());
    auto head = txn.Head();
    if (!head.ok()) return head.status();
    Anchor at = *head;
    for (Pending* p : batch) {
      AuditRecord r;
      r.seq = at.seq + 1;
      r.id = p->entry.id;
      r.kind = p->entry.kind;
      r.time = FormatTime(clock_());
      r.actor = p->entry.actor;
      r.payload = p->entry.payload;
      r.prev_hash = at.hash;
      r.hash = RecordHash(r);
      auto inserted = txn.Insert(r);
      if (!inserted.ok()) return inserted.status();
      if (!*inserted) {
        results.emplace_back(Status::Error(ErrorCode::kConflict, "id",
                                           "an audit record with id " + r.id + " exists"));
        continue;
      }
      at = Anchor{r.seq, r.hash};
      results.emplace_back(std::move(r));
    }
    return txn.SetHead(at);
  });
  if (!st.ok()) {
    results.clear();
    for (size_t i = 0; i < batch.size(); ++i) results.emplace_back(st);
  }
  return results;
}

VerifyReport ChainedAuditLog::Verify(const std::optional<Anchor>& anchor) const {
  VerifyReport report;
  bool failed = false;
  auto fail = [&](int64_t seq, std::string id, std::string problem) {
    failed = true;
    report.ok = false;
    report.first_bad_seq = seq;
    report.first_bad_id = std::move(id);
    report.problem = std::move(problem);
    return false;  // stop reading
  };
  Anchor head{-1, ""};
  int64_t expected = 1;
  std::string prev = kGenesisHash;
  const Status st = ReadChain(&head, [&](const AuditRecord& r) {
    if (r.seq != expected) {
      return fail(expected, "",
                  "record " + std::to_string(expected) + " is missing (the next record is " +
                      std::to_string(r.seq) + ")");
    }
    if (r.prev_hash != prev) {
      return fail(r.seq, r.id,
                  "prev_hash does not match the hash of record " + std::to_string(r.seq - 1) +
                      ": a record was modified, removed or reordered");
    }
    if (RecordHash(r) != r.hash) {
      return fail(r.seq, r.id, "the record's content does not match its hash: it was modified");
    }
    if (anchor && anchor->seq == r.seq && anchor->hash != r.hash) {
      return fail(r.seq, r.id, "the record does not match the anchor: the chain was rewritten");
    }
    prev = r.hash;
    ++report.records_checked;
    ++expected;
    return true;
  });
  if (head.seq >= 0) {
    report.head_seq = head.seq;
    report.head_hash = head.hash;
  }
  if (failed) return report;
  if (!st.ok()) {
    fail(0, "", (head.seq < 0 ? "audit head missing: " : "cannot read the audit records: ") +
                    st.message());
    return report;
  }
  const int64_t last = expected - 1;
  if (head.seq > last) {
    fail(last + 1, "",
         "the log ends at record " + std::to_string(last) + " but its head says " +
             std::to_string(head.seq) + ": records were removed from the end");
  } else if (head.seq < last) {
    fail(head.seq + 1, "",
         "records after the head (" + std::to_string(head.seq) + ") were added outside the log");
  } else if (head.hash != prev) {
    fail(last, "", "the head hash does not match the last record");
  } else if (anchor && anchor->seq > last) {
    fail(last + 1, "",
         "the anchor names record " + std::to_string(anchor->seq) + " but the log ends at " +
             std::to_string(last) + ": truncated");
  }
  return report;
}

}  // namespace exportctl::audit::internal
