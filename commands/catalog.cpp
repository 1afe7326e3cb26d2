#include "commands/catalog.hpp"

#include "commands/common.hpp"

#include <memory>

#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/package/vocab.hpp"
#include "core/util/text.hpp"

namespace eductl {

namespace {

nlohmann::json meta_json(const BookSummary& s) {
  const BookMeta& m = s.record.meta;
  nlohmann::json j = {{"publisher", m.publisher_code}, {"publisher_name", m.publisher_name},
                      {"package_id", s.record.package_id}, {"revision", s.current_revision},
                      {"source", s.source}, {"title", m.title}, {"isbn", m.isbn}, {"stage", m.stage},
                      {"school_system", m.school_system}, {"special_school", m.special_school},
                      {"subject", m.subject}, {"kind", m.kind}, {"edition", m.edition}, {"volume", m.volume},
                      {"volume_title", m.volume_title}, {"language", m.language}, {"published", m.published},
                      {"bytes", s.bytes}, {"files", s.files}, {"lessons", s.lessons}};
  j["grade"] = m.grade ? nlohmann::json::array({m.grade->from, m.grade->to}) : nlohmann::json(nullptr);
  return j;
}

std::string stage_text(const BookMeta& m) {
  std::string s(stage_label(m.stage));
  if (m.school_system == "5-4") s += "（五•四学制）";
  if (!m.special_school.empty()) s += "·" + std::string(special_school_label(m.special_school));
  return s;
}

std::string book_ref(const BookSummary& s) { return book_ref(BookKey{s.record.meta.publisher_code, s.record.package_id}); }

// Readers never write: a read-only folder or mount works, and a folder with no
// catalogue (or one still being created) says so.
Result<Catalog> open_for_reading(const Context& ctx) { return DataFolder(ctx.data_dir).catalog(Access::read_only); }

struct ListOptions {
  BookFilter filter;
  int grade = 0;  // 0: any
};

int run_list(const ListOptions& o, const Context& ctx) {
  auto cat = open_for_reading(ctx);
  if (!cat) return report_error(ctx, cat.error());
  BookFilter f = o.filter;
  if (o.grade) f.grade = o.grade;
  auto listed = cat->list_books(f);
  if (!listed) return report_error(ctx, listed.error());
  const auto& books = *listed;
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& b : books) arr.push_back(meta_json(b));
    print_json(ctx, {{"schema", "eductl.catalog.list/1"}, {"books", arr}, {"count", books.size()}});
    return 0;
  }
  Table t{{"BOOK", "REV", "STAGE", "GRADE", "SUBJECT", "EDITION", "VOLUME", "TITLE", "SIZE"}, {},
          {false, true, false, false, false, false, false, false, true}};
  for (const auto& b : books) {
    const BookMeta& m = b.record.meta;
    t.rows.push_back({book_ref(b), std::to_string(b.current_revision), stage_text(m),
                      m.grade ? grade_label(*m.grade) : "-", std::string(subject_label(m.subject)), m.edition,
                      volume_label(m.volume, m.volume_title), m.title, human_bytes(b.bytes)});
  }
  t.print(*ctx.out);
  if (ctx.verbosity != Verbosity::quiet) *ctx.out << books.size() << (books.size() == 1 ? " book\n" : " books\n");
  return 0;
}

// ffprobe's facts and the renditions made, per video file of the book (recorded by
// 'eductl transcode'); files never probed are left out.
struct VideoInfo {
  std::string path;
  VideoFacts facts;
  std::vector<std::string> renditions;  // "standard/720p"
};

Result<std::vector<VideoInfo>> video_info(const Catalog& cat, const BookDetail& d) {
  std::vector<VideoInfo> out;
  auto blobs = cat.rendition_blobs({BookKey{d.current.meta.publisher_code, d.current.package_id}});
  if (!blobs) return blobs.error();
  for (const auto& f : d.current.files) {
    if (f.media_type.rfind("video/", 0) != 0 || f.sha256.empty()) continue;
    auto facts = cat.media_facts(f.sha256);
    if (!facts) return facts.error();
    if (!*facts) continue;
    VideoInfo v{f.path, **facts, {}};
    for (const auto& b : *blobs) {
      const std::string name = b.profile + "/" + b.rendition;
      if (b.resource_path == f.path && b.rendition != "master" && b.rendition != "poster" &&
          std::find(v.renditions.begin(), v.renditions.end(), name) == v.renditions.end())
        v.renditions.push_back(name);
    }
    out.push_back(std::move(v));
  }
  return out;
}

using Videos = std::vector<VideoInfo>;

nlohmann::json show_json(const BookDetail& d, const Videos& videos) {
  nlohmann::json j = meta_json(d.summary);
  j["schema"] = "eductl.catalog.show/1";
  j["files"] = nlohmann::json::array();
  for (const auto& f : d.current.files)
    j["files"].push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}, {"media_type", f.media_type}, {"role", f.role}});
  j["contents"] = nlohmann::json::array();
  for (const auto& u : d.current.contents) {
    nlohmann::json lessons = nlohmann::json::array();
    for (const auto& l : u.lessons) {
      nlohmann::json res = nlohmann::json::array();
      for (const auto& r : l.resources) res.push_back({{"kind", r.kind}, {"file", r.file}, {"pages", r.pages}});
      lessons.push_back({{"id", l.id}, {"title", l.title}, {"resources", res}});
    }
    j["contents"].push_back({{"title", u.title}, {"lessons", lessons}});
  }
  j["videos"] = nlohmann::json::array();
  for (const auto& v : videos)
    j["videos"].push_back({{"path", v.path}, {"duration", v.facts.duration}, {"width", v.facts.width},
                           {"height", v.facts.height}, {"video_codec", v.facts.video_codec},
                           {"audio_codec", v.facts.audio_codec}, {"bitrate", v.facts.bitrate},
                           {"renditions", v.renditions}});
  j["revisions"] = nlohmann::json::array();
  for (const auto& r : d.revisions)
    j["revisions"].push_back({{"revision", r.revision}, {"digest", r.digest}, {"imported_at", r.imported_at}, {"bytes", r.bytes}, {"files", r.files}});
  return j;
}

void print_book_info(std::ostream& out, const BookDetail& d) {
  const BookMeta& m = d.current.meta;
  out << printable(m.title) << "\n";
  Table info{{"", ""}, {}, {}};
  auto row = [&](const char* k, const std::string& v) {
    if (!v.empty()) info.rows.push_back({k, v});
  };
  row("book", book_ref(d.summary));
  row("publisher", m.publisher_name + (m.publisher_code.empty() ? "" : " (" + m.publisher_code + ")"));
  row("edition", m.edition);
  row("stage", stage_text(m));
  row("grade", m.grade ? grade_label(*m.grade) : "");
  row("subject", std::string(subject_label(m.subject)) + " (" + m.subject + ")");
  row("volume", volume_label(m.volume, m.volume_title));
  row("kind", std::string(kind_label(m.kind)));
  row("isbn", m.isbn);
  row("published", m.published);
  row("source", d.summary.source);
  row("revision", std::to_string(d.summary.current_revision));
  info.headers = info.rows.front();
  info.rows.erase(info.rows.begin());
  info.print(out);
}

void print_book_contents(std::ostream& out, const BookDetail& d) {
  if (d.current.contents.empty()) return;
  out << "\ncontents\n";
  for (const auto& u : d.current.contents) {
    out << "  " << printable(u.title) << "\n";
    for (const auto& l : u.lessons) {
      out << "    " << printable(l.id) << "  " << printable(l.title) << "\n";
      for (const auto& r : l.resources)
        out << "      " << pad_right(printable(r.kind), 15) << printable(r.file)
            << (r.pages.empty() ? "" : "  pp. " + printable(r.pages)) << "\n";
    }
  }
}

void print_book_videos(std::ostream& out, const Videos& videos) {
  if (videos.empty()) return;
  out << "\nvideos\n";
  Table vt{{"  PATH", "DURATION", "SIZE", "CODECS", "BITRATE", "RENDITIONS"}, {}, {false, true, false, false, true, false}};
  for (const auto& v : videos) {
    char dur[32];
    std::snprintf(dur, sizeof dur, "%d:%02d", static_cast<int>(v.facts.duration) / 60, static_cast<int>(v.facts.duration) % 60);
    std::string rend;
    for (const auto& r : v.renditions) rend += (rend.empty() ? "" : " ") + r;
    vt.rows.push_back({"  " + v.path, dur,
                       v.facts.width ? std::to_string(v.facts.width) + "x" + std::to_string(v.facts.height) : "-",
                       v.facts.video_codec + (v.facts.audio_codec.empty() ? "" : "/" + v.facts.audio_codec),
                       std::to_string(v.facts.bitrate / 1000) + " kb/s", rend.empty() ? "-" : rend});
  }
  vt.print(out);
}

void print_book_files(std::ostream& out, const BookDetail& d) {
  out << "\nfiles\n";
  Table files{{"  PATH", "TYPE", "SIZE", "SHA256"}, {}, {false, false, true, false}};
  for (const auto& f : d.current.files)
    files.rows.push_back({"  " + f.path + (f.role == "textbook" ? " *" : ""), f.media_type, human_bytes(f.size),
                          f.sha256.empty() ? "(metadata only)" : f.sha256.substr(0, 16)});
  files.print(out);
}

void print_book_revisions(std::ostream& out, const BookDetail& d) {
  out << "\nrevisions\n";
  Table revs{{"  REV", "IMPORTED", "FILES", "SIZE"}, {}, {true, false, true, true}};
  for (const auto& r : d.revisions)
    revs.rows.push_back({"  " + std::to_string(r.revision), r.imported_at, std::to_string(r.files), human_bytes(r.bytes)});
  revs.print(out);
}

int run_show(const std::string& book, const Context& ctx) {
  auto cat = open_for_reading(ctx);
  if (!cat) return report_error(ctx, cat.error());
  auto d = cat->show_book(book);
  if (!d) return report_error(ctx, d.error());
  auto videos = video_info(*cat, *d);
  if (!videos) return report_error(ctx, videos.error());
  if (ctx.json) {
    print_json(ctx, show_json(*d, *videos));
    return 0;
  }
  std::ostream& out = *ctx.out;
  print_book_info(out, *d);
  print_book_contents(out, *d);
  print_book_files(out, *d);
  print_book_videos(out, *videos);
  print_book_revisions(out, *d);
  return 0;
}

int run_stats(const Context& ctx) {
  auto cat = open_for_reading(ctx);
  if (!cat) return report_error(ctx, cat.error());
  auto got = cat->stats();
  if (!got) return report_error(ctx, got.error());
  const CatalogStats& s = *got;
  const std::uint64_t saved = s.referenced_bytes - std::min(s.referenced_bytes, s.unique_bytes);
  if (ctx.json) {
    auto groups = [](const auto& v) {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, n] : v) o[k] = n;
      return o;
    };
    print_json(ctx, {{"schema", "eductl.catalog.stats/1"}, {"books", s.books}, {"revisions", s.revisions},
                     {"files", s.files}, {"lessons", s.lessons}, {"referenced_bytes", s.referenced_bytes},
                     {"stored_bytes", s.unique_bytes}, {"dedup_saved_bytes", saved},
                     {"by_stage", groups(s.by_stage)}, {"by_subject", groups(s.by_subject)},
                     {"by_edition", groups(s.by_edition)}, {"by_publisher", groups(s.by_publisher)}});
    return 0;
  }
  std::ostream& out = *ctx.out;
  out << s.books << " books, " << s.revisions << " revisions, " << s.files << " files, " << s.lessons << " lessons\n"
      << "content: " << human_bytes(s.referenced_bytes) << " referenced, " << human_bytes(s.unique_bytes)
      << " stored, " << human_bytes(saved) << " saved by deduplication\n";
  auto section = [&](const char* title, const auto& v, auto label) {
    out << "\n";
    Table t{{title, "BOOKS"}, {}, {false, true}};
    for (const auto& [k, n] : v) t.rows.push_back({label(k), std::to_string(n)});
    t.print(out);
  };
  section("STAGE", s.by_stage, [](const std::string& k) { return std::string(stage_label(k)) + " (" + k + ")"; });
  section("SUBJECT", s.by_subject, [](const std::string& k) { return std::string(subject_label(k)) + " (" + k + ")"; });
  section("EDITION", s.by_edition, [](const std::string& k) { return k; });
  section("PUBLISHER", s.by_publisher, [](const std::string& k) { return k.empty() ? std::string("(platform listing)") : k; });
  return 0;
}

int run_migrate(const Context& ctx) {
  const DataFolder data(ctx.data_dir);
  auto lock = data.lock("catalog migrate");
  if (!lock) return report_error(ctx, lock.error());
  auto c = data.catalog(Access::read_write);
  if (!c) return report_error(ctx, c.error());
  if (ctx.json) print_json(ctx, {{"schema", "eductl.catalog.migrate/1"}, {"version", c->schema_version()}});
  else *ctx.out << "catalogue schema at version " << c->schema_version() << '\n';
  return 0;
}

}  // namespace

void register_catalog(CLI::App& app, Context& ctx, int& exit_code) {
  CLI::App* cat = app.add_subcommand("catalog", "Browse the catalogue: list, show, stats, migrate");
  cat->require_subcommand(1);

  auto lo = std::make_shared<ListOptions>();
  CLI::App* list = cat->add_subcommand("list", "List books (current revision) with filters");
  list->add_option("--publisher", lo->filter.publisher, "Publisher code, e.g. PEP");
  add_book_filter_options(list, lo->filter, lo->grade);
  list->add_option("--search", lo->filter.text, "Text in the title or package id");
  list->footer("Examples:\n  eductl catalog list --stage junior --subject math\n  eductl catalog list --grade 6 --edition 统编版 --json");
  list->callback([lo, &ctx, &exit_code] { exit_code = run_list(*lo, ctx); });

  auto book = std::make_shared<std::string>();
  CLI::App* show = cat->add_subcommand("show", "Show one book: metadata, units, lessons, resources, files, revisions");
  show->add_option("BOOK", *book, "CODE/package_id, or a package_id / platform id when unique")->required();
  show->footer("Examples:\n  eductl catalog show PEP/pep-math-g7-upper\n  eductl catalog show --json 3e205dcb-0b51-85c2-8b66-4b623ccc3988 | jq .revisions");
  show->callback([book, &ctx, &exit_code] { exit_code = run_show(*book, ctx); });

  CLI::App* stats = cat->add_subcommand("stats", "Books per stage, subject, edition and publisher; bytes and dedup");
  stats->footer("Example:\n  eductl --data /srv/eductl catalog stats --json | jq .dedup_saved_bytes");
  stats->callback([&ctx, &exit_code] { exit_code = run_stats(ctx); });

  CLI::App* migrate = cat->add_subcommand("migrate", "Bring the catalogue schema up to date (also done by every writer)");
  migrate->callback([&ctx, &exit_code] { exit_code = run_migrate(ctx); });
}

}  // namespace eductl
