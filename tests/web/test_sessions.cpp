// Browser sessions: random ids, idle and absolute expiry on an injected clock, one-shot messages.
#include <chrono>

#include <catch2/catch.hpp>

#include "web/sessions.h"

using namespace std::chrono_literals;
using outcheck::web::SessionLimits;
using outcheck::web::SessionTable;

TEST_CASE("sessions: idle and absolute expiry", "[web][sessions]") {
  auto now = std::chrono::system_clock::time_point{} + 1000h;
  SessionTable table(SessionLimits{30min, 8h}, [&] { return now; });
  auto s = table.create("oc_token");
  CHECK(s.id.size() == 64);
  CHECK(s.csrf.size() == 64);
  CHECK(s.id != s.csrf);
  CHECK(table.create("oc_token").id != s.id);

  now += 29min;
  REQUIRE(table.find(s.id));  // seen: the idle clock starts again
  now += 29min;
  REQUIRE(table.find(s.id));
  CHECK(table.find(s.id)->token == "oc_token");
  now += 30min;  // idle for 30 minutes
  CHECK(!table.find(s.id));

  auto busy = table.create("t2");
  for (int i = 0; i < 40; ++i) {  // active every 15 minutes for 10 hours
    now += 15min;
    if (i < 31) REQUIRE(table.find(busy.id));
  }
  CHECK(!table.find(busy.id));  // past 8 hours however busy
  CHECK(!table.find("not-a-session"));
  CHECK(!table.find(""));
}

TEST_CASE("sessions: a flash message is shown once, ending a session forgets it", "[web][sessions]") {
  SessionTable table;
  auto s = table.create("t");
  table.set_flash(s.id, "voted approve on a.csv", false);
  auto [message, is_error] = table.take_flash(s.id);
  CHECK(message == "voted approve on a.csv");
  CHECK(!is_error);
  CHECK(table.take_flash(s.id).first.empty());
  table.end(s.id);
  CHECK(!table.find(s.id));
}
