#include <catch2/catch.hpp>

#include "core/data/data_folder.hpp"
#include "core/util/cancel.hpp"
#include "core/util/sha256.hpp"
#include "support.hpp"

using namespace eductl;
using eductl::test::TempDir;

namespace {
StagedBlob staged(BlobStore& store, const std::string& data) {
  auto w = store.begin(sha256_hex(data), data.size());
  REQUIRE(w);
  REQUIRE(w->write(data.data(), data.size()));
  auto b = w->finish();
  REQUIRE(b);
  return std::move(b).value();
}

BlobStore open_store(const TempDir& t) {
  auto s = DataFolder(t.path()).store(Access::read_write);
  REQUIRE(s);
  return std::move(s).value();
}

Catalog open_catalog(const TempDir& t, Access access = Access::read_write) {
  auto c = DataFolder(t.path()).catalog(access);
  REQUIRE(c);
  return std::move(c).value();
}

BookRecord book(const std::string& id, std::int64_t revision, const std::string& file_sha) {
  BookRecord r;
  r.package_id = id;
  r.revision = revision;
  r.source = "textbook-package/1";
  r.meta.publisher_code = "PEP";
  r.meta.publisher_name = "人民教育出版社";
  r.meta.title = "数学 七年级 上册";
  r.meta.stage = "junior";
  r.meta.school_system = "6-3";
  r.meta.grade = GradeSpan{7, 7};
  r.meta.subject = "math";
  r.meta.edition = "人教版";
  r.meta.volume = "upper";
  r.files.push_back({"课本/数学.pdf", file_sha, 10, "application/pdf", "textbook"});
  r.contents.push_back({"第一章", {{"m1", "1.1 正数和负数", {{"video", "v.mp4", ""}, {"textbook_pages", "课本/数学.pdf", "1-2"}}}}});
  return r;
}
}  // namespace

TEST_CASE("store: staged blobs land under their hash, once", "[store]") {
  TempDir t;
  auto store = std::optional<BlobStore>(open_store(t));
  CommitStats stats;
  auto a = staged(*store, "同一内容");
  auto b = staged(*store, "同一内容");
  REQUIRE(store->commit(a, stats));
  REQUIRE(store->commit(b, stats));
  CHECK(stats.stored_blobs == 1);
  CHECK(stats.dedup_blobs == 1);
  const std::string sha = sha256_hex("同一内容");
  CHECK(store->has(sha, std::string("同一内容").size()));
  CHECK(store->object_path(sha).parent_path().filename() == sha.substr(2, 2));
  CHECK(std::filesystem::is_empty(t / "tmp"));
  CHECK(store->list_objects().size() == 1);
}

TEST_CASE("store: discarded staging leaves nothing; verify finds damage; gc removes orphans", "[store]") {
  TempDir t;
  auto store = std::optional<BlobStore>(open_store(t));
  { auto dropped = staged(*store, "refused package content"); }
  CHECK(std::filesystem::is_empty(t / "tmp"));
  CommitStats stats;
  auto keep = staged(*store, "keep");
  auto orphan = staged(*store, "orphan");
  REQUIRE(store->commit(keep, stats));
  REQUIRE(store->commit(orphan, stats));
  const std::string k = sha256_hex("keep"), o = sha256_hex("orphan");
  CHECK(store->verify({{k, 4}, {o, 6}}).problems.empty());
  std::filesystem::permissions(store->object_path(k), std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  test::write_file(store->object_path(k), "kept");  // bit rot
  auto problems = store->verify({{k, 4}, {sha256_hex("missing"), 1}}).problems;
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].problem.rfind("corrupt", 0) == 0);
  CHECK(problems[1].problem == "missing");
  test::write_file(t / "tmp/blob-999-0", "leftover of a killed import");
  auto dry = store->gc({k}, true);
  REQUIRE(dry);
  CHECK(dry->objects == 1);
  CHECK(dry->temps == 1);
  CHECK(store->has(o, 6));
  auto real = store->gc({k}, false);
  REQUIRE(real);
  CHECK_FALSE(store->has(o, 6));
  CHECK(store->has(k, 4));
  CHECK(std::filesystem::is_empty(t / "tmp"));
}

TEST_CASE("catalogue: migrations are idempotent; revisions, listing, detail, stats, prune", "[catalog]") {
  TempDir t;
  { CHECK(open_catalog(t).schema_version() == Catalog::latest_schema_version()); }
  auto c = std::optional<Catalog>(open_catalog(t));  // opening again runs nothing twice
  CHECK(c->schema_version() == Catalog::latest_schema_version());
  CHECK(c->revisions_of({"PEP", "pep-math-7a"})->empty());
  REQUIRE(c->add_revision(book("pep-math-7a", 1, std::string(64, 'a')), "d1", 10, "a.zip", 0));
  REQUIRE(c->add_revision(book("pep-math-7a", 2, std::string(64, 'b')), "d2", 10, "b.zip", 0));
  auto other = book("bnup-math-5b", 1, std::string(64, 'a'));
  other.meta.publisher_code = "BNUP";
  other.meta.stage = "primary";
  other.meta.grade = GradeSpan{5, 6};
  other.meta.edition = "北师大版";
  REQUIRE(c->add_revision(other, "d3", 10, "c.zip", 0));

  auto revs = c->revisions_of({"PEP", "pep-math-7a"});
  REQUIRE(revs);
  CHECK(revs->size() == 2);
  CHECK(revs->back().revision == 2);
  CHECK(c->list_books({})->size() == 2);
  BookFilter junior;
  junior.stage = "junior";
  CHECK(c->list_books(junior)->size() == 1);
  BookFilter grade6;
  grade6.grade = 6;
  auto g6 = *c->list_books(grade6);
  REQUIRE(g6.size() == 1);
  CHECK(g6[0].record.package_id == "bnup-math-5b");
  BookFilter edition;
  edition.edition = "人教";
  CHECK(c->list_books(edition)->size() == 1);

  auto d = c->show_book("PEP/pep-math-7a");
  REQUIRE(d);
  CHECK(d->summary.current_revision == 2);
  CHECK(d->current.files.at(0).sha256 == std::string(64, 'b'));
  CHECK(d->current.contents.at(0).lessons.at(0).resources.size() == 2);
  CHECK(d->revisions.size() == 2);
  CHECK(d->summary.lessons == 1);
  CHECK_FALSE(c->show_book("nope"));

  auto s = *c->stats();
  CHECK(s.books == 2);
  CHECK(s.revisions == 3);
  CHECK(s.referenced_bytes == 30);
  CHECK(s.unique_bytes == 20);  // two revisions share blob 'a'
  CHECK(c->referenced_blobs()->size() == 2);
  auto uses = c->blob_uses({std::string(64, 'a')});
  REQUIRE(uses);
  REQUIRE(uses->size() == 2);
  CHECK(uses->at(0).book.publisher_code == "BNUP");
  CHECK(uses->at(1).source_path == "a.zip");

  auto pruned = c->prune_revisions({"PEP", "pep-math-7a"}, 1);
  REQUIRE(pruned);
  CHECK(*pruned == 1);
  CHECK(c->revisions_of({"PEP", "pep-math-7a"})->size() == 1);
  CHECK(c->stats()->files == 2);  // the pruned revision's files went with it
}

TEST_CASE("writer lock: a second writer is refused with the holder named", "[lock]") {
  TempDir t;
  auto first = DataFolder(t.path()).lock("import");
  REQUIRE(first);
  // flock locks belong to the open file description, so a second open conflicts even
  // within one process.
  auto second = DataFolder(t.path()).lock("store gc");
  REQUIRE_FALSE(second);
  CHECK(second.error().kind == ErrorKind::locked);
  CHECK(second.error().message.find("pid " + std::to_string(::getpid())) != std::string::npos);
}

TEST_CASE("store: a blob must hash to its name; a truncated object is not stored and is replaced", "[store]") {
  TempDir t;
  BlobStore store = open_store(t);
  const std::string data = "课本内容";
  auto w = store.begin(sha256_hex(data), data.size());
  REQUIRE(w);
  REQUIRE(w->write("forged!!", 8));
  REQUIRE(w->write("abcd", 4));
  auto forged = w->finish();
  REQUIRE_FALSE(forged);
  CHECK(forged.error().kind == ErrorKind::bad_input);
  auto longer = store.begin(sha256_hex("ab"), 2);
  REQUIRE(longer);
  CHECK_FALSE(longer->write("abc", 3));  // more than declared: refused at once
  CHECK(std::filesystem::is_empty(t / "tmp"));

  CommitStats stats;
  auto blob = staged(store, data);
  REQUIRE(store.commit(blob, stats));
  const auto path = store.object_path(sha256_hex(data));
  std::filesystem::permissions(path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  std::filesystem::resize_file(path, 3);
  CHECK_FALSE(store.has(sha256_hex(data), data.size()));
  auto again = staged(store, data);
  CommitStats second;
  REQUIRE(store.commit(again, second));
  CHECK(second.restored_blobs == 1);
  CHECK(store.has(sha256_hex(data), data.size()));
  CHECK(store.verify({{sha256_hex(data), data.size()}}).problems.empty());
}

TEST_CASE("store gc: removes only its own staging files and never follows a link", "[store]") {
  TempDir t;
  TempDir elsewhere;
  test::write_file(elsewhere / "precious.txt", "not eductl's");
  {
    BlobStore store = open_store(t);
    test::write_file(t / "tmp/blob-1-0", "leftover");
    test::write_file(t / "tmp/notes.txt", "an admin's file");
    std::filesystem::create_symlink(elsewhere.path(), t / "tmp/link");
    auto r = store.gc({}, false);
    REQUIRE(r);
    CHECK(r->temps == 1);
    CHECK(r->left_alone.size() == 2);
    CHECK(std::filesystem::exists(t / "tmp/notes.txt"));
  }
  std::filesystem::remove_all(t / "tmp");
  std::filesystem::create_symlink(elsewhere.path(), t / "tmp");
  CHECK_FALSE(DataFolder(t.path()).store(Access::read_write));  // will not stage through a link
  auto ro = DataFolder(t.path()).store(Access::read_only);
  REQUIRE(ro);
  auto r = ro->gc({}, false);
  REQUIRE(r);
  CHECK(r->temps == 0);
  CHECK(std::filesystem::exists(elsewhere / "precious.txt"));
}

TEST_CASE("catalogue: readers create nothing and tell a missing or empty catalogue apart", "[catalog]") {
  TempDir t;
  auto none = DataFolder(t.path()).catalog(Access::read_only);
  REQUIRE_FALSE(none);
  CHECK(Catalog::is_absent(none.error()));
  CHECK_FALSE(std::filesystem::exists(t / "catalog.sqlite"));
  test::write_file(t / "catalog.sqlite", "");  // what a first import that died leaves
  auto empty = DataFolder(t.path()).catalog(Access::read_only);
  REQUIRE_FALSE(empty);
  CHECK(Catalog::is_absent(empty.error()));
  CHECK(std::filesystem::file_size(t / "catalog.sqlite") == 0);
  test::write_file(t / "catalog.sqlite", std::string(4096, 'x'));
  auto garbage = DataFolder(t.path()).catalog(Access::read_only);
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().kind == ErrorKind::bad_input);
  CHECK_FALSE(Catalog::is_absent(garbage.error()));
}

TEST_CASE("store verify: an interrupt stops it and says how far it got", "[store]") {
  TempDir t;
  BlobStore store = open_store(t);
  CommitStats stats;
  std::vector<std::pair<std::string, std::uint64_t>> objects;
  for (const std::string data : {"one", "two", "three"}) {
    auto b = staged(store, data);
    REQUIRE(store.commit(b, stats));
    objects.emplace_back(sha256_hex(data), data.size());
  }
  // The first bytes hashed raise the interrupt, as Ctrl-C would (this process only).
  auto r = store.verify(objects, [](std::uint64_t) { request_interrupt(); });
  clear_interrupt();  // the cases after this one run in the same process
  CHECK(r.interrupted);
  CHECK(r.checked == 0);
  CHECK(r.problems.empty());
}
