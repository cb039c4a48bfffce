// write_table's speed and memory on a large result: a generated result.csv of MIB MiB (default
// 1024; match_persons' columns for identity, names and permanent_address, Finnish names, some
// Polish ones and quoted reasons) converted to a legacy client's format: Windows-1252 with
// transliteration, ',' separator, CRLF. The step runs in a child process, timed with its peak
// RSS (wait4). Baselines in the same run: `cp` (the disk's floor) and
// `iconv -t WINDOWS-1252//TRANSLIT | sed 's/;/,/g'` (which does not even quote correctly).
// Target: memory independent of the file's size; time within 2x the iconv pipeline.
//
//   bench_table [--mib N] [--dir D]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "steps/builtin_steps.h"

namespace {

using namespace popgate;
namespace fs = std::filesystem;

// A result.csv of about `bytes`, as match_persons writes it.
std::uint64_t write_result(const fs::path& path, std::uint64_t bytes) {
  static const std::vector<std::string> kLast = {"Virtanen", "Mäkinen", "Nieminen", "Hämäläinen",
                                                 "Järvinen", "Wałęsa",  "Öhman",    "Kowalczyk"};
  static const std::vector<std::string> kFirst = {"Anna Maria", "Matti",      "Åsa",
                                                  "Jüri",       "Małgorzata", "Eero Juhani"};
  std::ofstream out(path, std::ios::binary);
  out << "client_ref;outcome;score;reason;identity.hetu;identity.birth_date;identity.sex;"
         "names.first_names;names.last_name;names.former_last_names;permanent_address.street;"
         "permanent_address.apartment;permanent_address.postal_code;permanent_address.post_office;"
         "permanent_address.country;permanent_address.start_date;permanent_address.end_date;note;"
         "changed\r\n";
  std::mt19937_64 random(7);
  std::string row;
  std::uint64_t written = 0;
  for (std::uint64_t n = 1; written < bytes; ++n) {
    const bool matched = random() % 10 != 0;
    row = "C" + std::to_string(n) + ";";
    if (matched) {
      row += "MATCHED_HETU;1.000;HETU;010190-" + std::to_string(100 + n % 800) + "A;1990-01-01;";
      row += (n % 2 ? "male;" : "female;") + kFirst[random() % kFirst.size()] + ";" +
             kLast[random() % kLast.size()] + ";;Koivukatu " + std::to_string(n % 90) +
             ";A 5;00100;Helsinki;FI;2001-06-01;;;last_name\r\n";
    } else {
      row += "NOT_FOUND;0.000;\"no person; checked \"\"names\"\"\";;;;;;;;;;;;;;;\r\n";
    }
    out << row;
    written += row.size();
  }
  return written;
}

int convert_in_this_process(const fs::path& dir) {
  std::atomic<bool> cancelled{false};
  workflows::StepContext context;
  context.job_id = "bench";
  context.client_id = "bench";
  context.step_id = "table";
  context.work_dir = dir;
  context.cancelled = &cancelled;
  const workflows::StepType type = workflows::steps::write_table_step();
  for (const workflows::ParamSpec& spec : type.params) {
    if (spec.type == workflows::ParamType::string_list) {
      context.lists[spec.name] = {};
    } else {
      context.params[spec.name] = spec.default_value;
    }
  }
  context.params["file"] = "result.csv";
  context.params["to"] = "ours.csv";
  context.params["encoding"] = "windows-1252";
  context.params["unmappable"] = "transliterate";
  context.params["separator"] = ",";
  try {
    const workflows::StepOutputs out = type.run(context);
    std::fprintf(stderr, "  write_table: %s rows, %s values transliterated\n",
                 out.at("rows").c_str(), out.at("replaced").c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_table failed: %s\n", e.what());
    return 1;
  }
}

void report(const char* what, const bench::ChildRun& run, std::uint64_t bytes) {
  std::printf("  %-44s %6.2f s  %7.1f MB/s  peak RSS %6.1f MiB\n", what, run.seconds,
              static_cast<double>(bytes) / 1e6 / run.seconds,
              static_cast<double>(run.peak_rss_kib) / 1024);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--convert-in") return convert_in_this_process(argv[2]);
  std::uint64_t mib = 1024;
  fs::path dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--mib") mib = std::strtoull(argv[i + 1], nullptr, 10);
    if (option == "--dir") dir = argv[i + 1];
  }
  if (dir.empty()) dir = fs::temp_directory_path() / ("bench-table-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string input = (dir / "result.csv").string();
  const std::uint64_t bytes = write_result(input, mib << 20);
  bench::run_command("sync");

  const bench::ChildRun copy = bench::in_child({"/bin/cp", input, (dir / "copy.csv").string()});
  const bench::ChildRun baseline =
      bench::in_child({"/bin/sh", "-c",
                       "iconv -f UTF-8 -t WINDOWS-1252//TRANSLIT < " + input +
                           " | sed 's/;/,/g' > " + (dir / "baseline.csv").string()});
  const bench::ChildRun ours =
      bench::in_child({fs::canonical("/proc/self/exe").string(), "--convert-in", dir.string()});
  if (copy.status != 0 || baseline.status != 0 || ours.status != 0) {
    std::fprintf(stderr, "a run failed (cp %d, iconv | sed %d, popgate %d)\n", copy.status,
                 baseline.status, ours.status);
    return 1;
  }
  std::printf("bench_table: %.0f MB result.csv to Windows-1252, ',', CRLF\n",
              static_cast<double>(bytes) / 1e6);
  report("cp (the disk's floor)", copy, bytes);
  report("iconv //TRANSLIT | sed (baseline)", baseline, bytes);
  report("popgate write_table", ours, bytes);
  std::printf("  ratio (time, target <= 2.0)                  %.2fx\n",
              ours.seconds / baseline.seconds);
  fs::remove_all(dir);
  return 0;
}
