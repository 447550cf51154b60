// Container ids, the state record, and status derivation.
#include <catch2/catch.hpp>

#include "runtime/state/state.hpp"
#include "runtime/sys/error.hpp"

using namespace ocirun;
using state::Status;

TEST_CASE("container ids: letters, digits and _+-. are accepted", "[state]") {
  for (const char* id : {"a", "abc-123", "A.b_c+d", "x..y", "0"}) {
    INFO(id);
    CHECK_FALSE(state::id_problem(id));
  }
}

TEST_CASE("container ids with '/', '..', spaces or nothing are refused", "[state]") {
  for (const char* id : {"", ".", "..", "../x", "a/b", "/abs", "a b", "a\nb", "ü"}) {
    INFO(id);
    CHECK(state::id_problem(id));
  }
  CHECK_THROWS_WITH(state::validate_id("../x"), Catch::Contains("invalid container ID \"../x\""));
}

TEST_CASE("state record round-trips through JSON", "[state]") {
  state::Record r;
  r.id = "c1";
  r.phase = "created";
  r.pid = 4242;
  r.start_time = 987654321;
  r.bundle = "/b";
  r.rootfs = "/b/rootfs";
  r.created = "2026-11-26T18:00:00.000000000Z";
  r.owner = "root";
  r.own_pid_namespace = false;
  r.annotations = {{"k", "v"}};
  auto back = state::record_from_json(state::record_to_json(r));
  CHECK(back.id == r.id);
  CHECK(back.phase == r.phase);
  CHECK(back.pid == r.pid);
  CHECK(back.start_time == r.start_time);
  CHECK(back.rootfs == r.rootfs);
  CHECK(back.own_pid_namespace == false);
  CHECK(back.annotations == r.annotations);
  CHECK_THROWS_WITH(state::record_from_json(nlohmann::json{{"id", "x"}}),
                    Catch::Contains("malformed state record"));
}

TEST_CASE("status is derived from the init's liveness, not from the record", "[state]") {
  state::Record r;
  r.pid = 100;
  r.start_time = 555;
  r.phase = "created";
  sys::ProcStat alive{555, 'S'};
  SECTION("alive with the exec fifo: created") {
    CHECK(state::derive_status(r, alive, true) == Status::Created);
  }
  SECTION("alive, fifo consumed by start: running") {
    CHECK(state::derive_status(r, alive, false) == Status::Running);
  }
  SECTION("no such process: stopped") {
    CHECK(state::derive_status(r, std::nullopt, false) == Status::Stopped);
  }
  SECTION("a recycled pid (other start time) is not our init: stopped") {
    CHECK(state::derive_status(r, sys::ProcStat{556, 'S'}, false) == Status::Stopped);
  }
  SECTION("a zombie init has exited: stopped") {
    CHECK(state::derive_status(r, sys::ProcStat{555, 'Z'}, true) == Status::Stopped);
  }
  SECTION("record still in its first phase: creating") {
    r.phase = "creating";
    CHECK(state::derive_status(r, alive, true) == Status::Creating);
  }
}

TEST_CASE("state document has the spec's fields and runc's extras", "[state]") {
  state::Record r;
  r.id = "c1";
  r.pid = 77;
  r.bundle = "/b";
  r.rootfs = "/b/rootfs";
  r.created = "2026-11-26T18:00:00Z";
  r.owner = "root";
  auto doc = state::state_document(r, Status::Running);
  CHECK(doc["ociVersion"] == "1.3.0");
  CHECK(doc["id"] == "c1");
  CHECK(doc["status"] == "running");
  CHECK(doc["pid"] == 77);
  CHECK(doc["bundle"] == "/b");
  CHECK(doc["rootfs"] == "/b/rootfs");
  CHECK(doc["created"] == "2026-11-26T18:00:00Z");
  CHECK(doc["owner"] == "root");
  CHECK_FALSE(doc.contains("annotations"));
  r.annotations = {{"a", "b"}};
  auto stopped = state::state_document(r, Status::Stopped);
  CHECK(stopped["pid"] == 0);
  CHECK(stopped["annotations"]["a"] == "b");
}

TEST_CASE("sys::proc_stat reads our own start time", "[state]") {
  auto self = sys::proc_stat(::getpid());
  REQUIRE(self);
  CHECK(self->start_time > 0);
  CHECK((self->state == 'R' || self->state == 'S'));
  CHECK_FALSE(sys::proc_stat(0x3fffffff));
}
