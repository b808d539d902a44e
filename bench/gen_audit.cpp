// Fills an outcheck home's audit log with N events, through the same AuditLog::append the program
// uses (so each row is chained and keyed exactly as in real use), in batches of 10,000.
//   gen_audit HOME N
#include <cstdio>
#include <cstdlib>

#include "db/home.h"
#include "db/identity.h"

int main(int argc, char** argv) {
  using namespace outcheck;
  if (argc != 3) {
    std::fprintf(stderr, "usage: gen_audit HOME N\n");
    return 2;
  }
  auto home = db::open_home(argv[1]);
  if (!home) {
    std::fprintf(stderr, "%s\n", home.error().message.c_str());
    return 2;
  }
  const long long n = std::atoll(argv[2]);
  db::AuditHead head;
  for (long long done = 0; done < n;) {
    db::Transaction tx((*home)->db);
    if (!tx.begin().ok()) return 1;
    for (int i = 0; i < 10000 && done < n; ++i, ++done) {
      db::AuditEvent e;
      e.user = "bench";
      e.action = "vote";
      e.request_id = "01BENCH" + std::to_string(done / 1000);
      e.path = "output/table_" + std::to_string(done % 1000) + ".csv";
      e.details = {{"vote", "approved"}, {"sha256", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}};
      e.review_turn = 1;
      auto h = (*home)->audit.append((*home)->db, e, db::iso_utc(std::chrono::system_clock::now()));
      if (!h) {
        std::fprintf(stderr, "%s\n", h.error().message.c_str());
        return 1;
      }
      head = *h;
    }
    if (!tx.commit().ok()) return 1;
  }
  (*home)->audit.record_head(head);
  return 0;
}
