#include <catch2/catch.hpp>
#include <fstream>

#include "core/data/data_folder.hpp"
#include "core/media/ffmpeg.hpp"
#include "core/media/profiles.hpp"
#include "core/util/subprocess.hpp"

#include <nlohmann/json.hpp>
#include "core/util/sha256.hpp"
#include "support.hpp"

using namespace eductl;
using eductl::test::TempDir;

namespace {

BookRecord video_book(const std::string& id, const std::string& video_sha) {
  BookRecord r;
  r.package_id = id;
  r.source = "textbook-package/1";
  r.meta.publisher_code = "PEP";
  r.meta.publisher_name = "人民教育出版社";
  r.meta.title = "数学 八年级 下册";
  r.meta.stage = "junior";
  r.meta.grade = GradeSpan{8, 8};
  r.meta.subject = "math";
  r.meta.edition = "人教版";
  r.meta.volume = "lower";
  r.files.push_back({"第1单元/视频.mp4", video_sha, 100, "video/mp4", ""});
  return r;
}

Result<std::map<std::string, media::Profile>> profiles_from(const TempDir& t, const std::string& json) {
  std::ofstream(t / "p.json") << json;
  return media::load_profiles(t / "p.json");
}

}  // namespace

TEST_CASE("profiles: built-ins, a file's profiles, and refusals naming profile and field", "[transcode]") {
  auto builtin = media::builtin_profiles();
  REQUIRE(builtin.count("standard"));
  REQUIRE(builtin.count("remote"));
  CHECK(builtin["remote"].renditions.back().height == 0);  // audio only for weak links
  TempDir t;
  auto ok = profiles_from(t, R"({"profiles": {"county": {"renditions": [{"name": "480p", "height": 480, "video_kbps": 900}]}}})");
  REQUIRE(ok);
  CHECK(ok->count("county"));
  CHECK(ok->count("standard"));
  auto bad_height = profiles_from(t, R"({"profiles": {"x": {"renditions": [{"name": "big", "height": 99999, "video_kbps": 100}]}}})");
  REQUIRE_FALSE(bad_height);
  CHECK(bad_height.error().kind == ErrorKind::bad_input);
  CHECK(bad_height.error().message.find("big") != std::string::npos);
  CHECK_FALSE(profiles_from(t, R"({"profiles": {"../x": {"renditions": [{"name": "a"}]}}})"));
  CHECK_FALSE(profiles_from(t, R"({"profiles": {"x": {"renditions": [{"name": "master"}]}}})"));
  CHECK_FALSE(profiles_from(t, R"({"profiles": {"x": {"preset": "warp", "renditions": [{"name": "a"}]}}})"));
  CHECK_FALSE(profiles_from(t, R"({"profiles": {"x": {"renditions": [{"name": "a"}, {"name": "a"}]}}})"));
  CHECK_FALSE(profiles_from(t, "not json"));
}

TEST_CASE("ffmpeg commands: never upscale, audio-only without video, master playlist", "[transcode]") {
  const auto standard = media::builtin_profiles()["standard"];
  VideoFacts small{"", 12.0, 640, 360, "h264", "aac", 800000};
  auto cmds = media::hls_commands("/in.mp4", small, standard);
  REQUIRE(cmds.size() == standard.renditions.size() + 1);  // + poster
  auto has = [](const media::FfmpegCommand& c, const std::string& a) {
    return std::find(c.argv.begin(), c.argv.end(), a) != c.argv.end();
  };
  CHECK(has(cmds[0], "scale=-2:360"));  // 720p of a 360p source stays 360p
  CHECK(has(cmds[3], "-vn"));
  CHECK(cmds.back().rendition == "poster");
  CHECK(has(cmds.back(), "5.000"));
  VideoFacts audio_only{"", 30.0, 0, 0, "", "mp3", 128000};
  auto a = media::hls_commands("/in.mp3", audio_only, standard);
  REQUIRE(a.size() == 1);
  CHECK(a[0].rendition == "audio");
  const std::string master = media::master_playlist(small, standard, {"720p", "audio"});
  CHECK(master.find("#EXTM3U") == 0);
  CHECK(master.find("RESOLUTION=640x360") != std::string::npos);
  CHECK(master.find("720p/index.m3u8") != std::string::npos);
  CHECK(master.find("480p/index.m3u8") == std::string::npos);
}

TEST_CASE("catalogue: a job is done only with its rendition rows; gc keeps live renditions", "[transcode]") {
  TempDir t;
  DataFolder data(t.path());
  auto cat = data.catalog(Access::read_write);
  REQUIRE(cat);
  const std::string video = sha256_hex("video"), seg = sha256_hex("segment"), pl = sha256_hex("playlist");
  REQUIRE(cat->add_revision(video_book("m8b", video), "d1", 100, "/src", 0));
  auto job = cat->job_for(video, "remote");
  REQUIRE(job);
  CHECK(job->status == "pending");
  REQUIRE(cat->start_job(job->id));
  auto again = cat->job_for(video, "remote");
  REQUIRE(again);
  CHECK(again->id == job->id);
  CHECK(again->status == "running");
  CHECK(again->attempts == 1);
  REQUIRE(cat->fail_job(job->id, "ffmpeg: exit status 1"));
  CHECK(cat->job_for(video, "remote")->log == "ffmpeg: exit status 1");
  CHECK(cat->rendition_files(video, "remote")->empty());

  VideoFacts facts{video, 3.0, 320, 240, "h264", "aac", 500000};
  REQUIRE(cat->finish_job(job->id, facts, {{"360p", "360p/index.m3u8", pl, 8}, {"360p", "360p/seg_00000.ts", seg, 7}}));
  CHECK(cat->job_for(video, "remote")->status == "done");
  CHECK(cat->rendition_files(video, "remote")->size() == 2);
  auto got = cat->media_facts(video);
  REQUIRE(got);
  REQUIRE(*got);
  CHECK((*got)->width == 320);
  auto blobs = cat->rendition_blobs({BookKey{"PEP", "m8b"}});
  REQUIRE(blobs);
  REQUIRE(blobs->size() == 2);
  CHECK((*blobs)[0].resource_path == "第1单元/视频.mp4");
  CHECK((*blobs)[0].profile == "remote");
  CHECK(cat->rendition_blobs({BookKey{"PEP", "other"}})->empty());
  auto refs = cat->referenced_blobs();
  REQUIRE(refs);
  CHECK(refs->count(seg));
  CHECK(refs->count(pl));
  // A new revision without the video: its renditions are no longer referenced.
  BookRecord r2 = video_book("m8b", video);
  r2.revision = 2;
  r2.files.clear();
  REQUIRE(cat->add_revision(r2, "d2", 0, "/src", 0));
  REQUIRE(cat->prune_revisions(BookKey{"PEP", "m8b"}, 1));
  CHECK_FALSE(cat->referenced_blobs()->count(seg));
}

TEST_CASE("profile content: the name and description do not count, the ladder does", "[transcode]") {
  auto p = media::builtin_profiles().at("remote");
  media::Profile renamed = p;
  renamed.name = "county";
  renamed.description = "another text";
  CHECK(media::profile_json(p) == media::profile_json(renamed));
  media::Profile other = p;
  other.renditions[0].video_kbps += 1;
  CHECK(media::profile_json(p) != media::profile_json(other));
  media::Profile slower = p;
  slower.preset = "slow";
  CHECK(media::profile_json(p) != media::profile_json(slower));
  CHECK(nlohmann::json::parse(media::profile_json(p))["renditions"].size() == 3);
}

TEST_CASE("outputs: a rendition shorter than its source, or a missing poster, is a problem", "[transcode][ffmpeg]") {
  TempDir t;
  const auto work = t / "work";
  std::filesystem::create_directories(work / "low");
  // 2 s of HLS made by ffmpeg itself, for a source said to last 2 s, then 10 s.
  auto made = run_process({"ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "2",
                           "-c:v", "libx264", "-preset", "ultrafast", "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
                           (work / "low" / "index.m3u8").string()});
  REQUIRE(made);
  REQUIRE(made->ok());
  VideoFacts facts{"x", 2.0, 160, 120, "h264", "", 0};
  auto no_poster = media::check_outputs(work, facts, {"low"});
  REQUIRE(no_poster);
  CHECK(no_poster->find("poster") != std::string::npos);
  std::ofstream(work / "poster.jpg") << "jpeg";
  auto fine = media::check_outputs(work, facts, {"low"});
  REQUIRE(fine);
  CHECK(fine->empty());
  facts.duration = 10.0;
  auto short_one = media::check_outputs(work, facts, {"low"});
  REQUIRE(short_one);
  CHECK(short_one->find("low: the rendition lasts 2.0 s, the source 10.0 s") != std::string::npos);
  auto missing = media::check_outputs(work, facts, {"nothing"});
  REQUIRE(missing);
  CHECK(missing->find("nothing: no playable rendition") != std::string::npos);
}

TEST_CASE("catalogue: an interrupted job goes back to pending", "[transcode]") {
  TempDir t;
  DataFolder data(t.path());
  auto cat = data.catalog(Access::read_write);
  REQUIRE(cat);
  const std::string video = sha256_hex("video");
  REQUIRE(cat->add_revision(video_book("m8b", video), "d1", 100, "/src", 0));
  auto job = cat->job_for(video, "remote");
  REQUIRE(job);
  REQUIRE(cat->start_job(job->id));
  REQUIRE(cat->requeue_job(job->id));
  auto again = cat->job_for(video, "remote");
  CHECK(again->status == "pending");
  CHECK(again->attempts == 1);
}
