// bench_extraction: the extraction service's `extract` step against the sqlite3 command-line
// tool exporting the same columns of the same units from the same register.db to CSV, in the
// same run, interleaved rounds (odd: sqlite3 first). Issue 19's cases that need no sample:
//   everyone 65+ in three municipalities, contact package (target: at most 0.5x sqlite3);
//   all persons, research package (target: at most 1.0x sqlite3, peak RSS at most 200 MB);
//   residential buildings completed before 1960 in Turku, buildings_basic (at most 0.5x).
// Each popgate run is a child process (its own peak RSS); both sides' row counts must agree.
//
//   bench_extraction [--dir DIR] [--rounds N] [--only CASE]
// DIR holds register.db (bench_update --keep makes a 5.6M one); default /work/bench-update2.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "registry/data_package.h"
#include "registry/permit_decision.h"
#include "steps/builtin_steps.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name;
  std::string request;  // the client's request
  std::string package;
  std::vector<std::string> package_columns;
  registry::PackageUnit unit;
  std::string sql;  // the baseline: the same units and columns
  double target;    // popgate time / sqlite3 time at most
};

std::vector<Case> cases() {
  return {
      {"65+ in three municipalities, contact",
       "extract: persons\nreference_date: 2026-12-31\ncriteria:\n  all:\n    - age: {min: 65}\n"
       "    - municipality: [\"091\", \"049\", \"837\"]\ndata: contact\n",
       "contact",
       {"names.first_names", "names.last_name", "permanent_address.street",
        "permanent_address.apartment", "permanent_address.postal_code",
        "permanent_address.post_office"},
       registry::PackageUnit::persons,
       "SELECT p.first_names, p.last_name, a.street, a.apartment, a.postal_code, a.post_office "
       "FROM person p LEFT JOIN person_address a ON a.person_id = p.id AND a.kind = 0 "
       "WHERE p.death_date IS NULL AND p.home_municipality IN ('091','049','837') "
       "AND p.birth_date <= '1961-12-31' ORDER BY p.id;",
       0.5},
      {"all persons, research",
       "extract: persons\nreference_date: 2026-12-31\ndata: research\n",
       "research",
       {"age", "identity.sex", "home_municipality.home_municipality",
        "mother_tongue.mother_tongue"},
       registry::PackageUnit::persons,
       "SELECT birth_date, sex, home_municipality, mother_tongue FROM person "
       "WHERE death_date IS NULL ORDER BY id;",
       1.0},
      {"residential before 1960 in Turku, buildings_basic",
       "extract: buildings\ncriteria: {use_class: [\"01\"], completion_year: {max: 1959}, "
       "municipality: [\"853\"]}\ndata: buildings_basic\n",
       "buildings_basic",
       {"building.prt", "building.municipality", "building.street", "building.postal_code",
        "building.post_office", "building.use_class", "building.completion_year", "building.floors",
        "building.floor_area_m2", "building.apartments", "building.heating", "building.equipment",
        "building.north", "building.east"},
       registry::PackageUnit::buildings,
       "SELECT b.prt, b.municipality, a.street, a.postal_code, a.post_office, b.use_class, "
       "b.completion_year, b.floors, b.floor_area_m2, b.apartments, b.heating, b.equipment, "
       "b.north, b.east FROM building b LEFT JOIN building_address a ON a.building_id = b.id "
       "AND a.ord = 0 WHERE b.municipality = '853' AND b.use_class LIKE '01%' "
       "AND b.completion_year BETWEEN 1 AND 1959 ORDER BY b.id;",
       0.5},
  };
}

// In the child: runs the extract step as the daemon would, the result in DIR/work-<i>/.
int extract_in_this_process(const fs::path& dir, std::size_t which) {
  const Case c = cases().at(which);
  registry::Permit permit;
  permit.id = "BENCH/1";
  permit.holders = {"bench"};
  permit.use = registry::PermitUse::public_task;
  permit.services = {registry::Service::extraction};
  permit.data_groups = {registry::DataGroup::identity,          registry::DataGroup::names,
                        registry::DataGroup::permanent_address, registry::DataGroup::mother_tongue,
                        registry::DataGroup::home_municipality, registry::DataGroup::building};
  permit.valid_from = registry::Date{2020, 1, 1};
  const registry::PermitSet permits({permit}, {});
  std::string problem;
  const std::optional<registry::DataPackage> package =
      registry::DataPackage::make(c.package, c.unit, c.package_columns, &problem);
  if (!package) {
    std::fprintf(stderr, "package: %s\n", problem.c_str());
    return 1;
  }
  workflows::steps::StepEnvironment env;
  env.check_permit = [&permits](const registry::PermitRequest& r) {
    registry::PermitRequest asked = r;
    asked.client = "bench";
    return permits.decide(asked);
  };
  env.permit = [permit](const std::string&) -> std::optional<registry::Permit> { return permit; };
  env.package = [&package](std::string_view) { return package; };
  env.register_db = dir / "register.db";
  const fs::path work = dir / ("work-" + std::to_string(which));
  fs::create_directories(work);
  std::ofstream(work / "order.yaml") << c.request;
  std::atomic<bool> cancelled{false};
  workflows::StepContext context;
  context.job_id = "bench";
  context.service = "extraction";
  context.client_id = "bench";
  context.step_id = "extract";
  context.work_dir = work;
  context.input_file = work / "order.yaml";
  context.cancelled = &cancelled;
  context.params = {{"to", "result"}};
  try {
    const workflows::StepOutputs out = workflows::steps::extract_step(env).run(context);
    std::ofstream(work / "rows") << out.at("rows") << "\n";
    std::ofstream(work / "peak_rss_kib") << bench::peak_rss_kib_self() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "extract failed: %s\n", e.what());
    return 1;
  }
}

long read_number(const fs::path& file) {
  std::ifstream in(file);
  long value = -1;
  in >> value;
  return value;
}

long count_lines(const fs::path& file) {
  std::ifstream in(file);
  return static_cast<long>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
}

struct Round {
  double popgate = 0, sqlite = 0;
  long rss_kib = 0, rows = 0, sqlite_rows = 0;
};

}  // namespace
}  // namespace popgate

int main(int argc, char** argv) {
  using namespace popgate;
  namespace fs = std::filesystem;
  if (argc == 4 && std::string(argv[1]) == "--extract-in")
    return extract_in_this_process(argv[2], std::stoul(argv[3]));
  fs::path dir = "/work/bench-update2";
  int rounds = 3;
  long only = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--dir") dir = argv[i + 1];
    if (option == "--rounds") rounds = std::atoi(argv[i + 1]);
    if (option == "--only") only = std::atol(argv[i + 1]);
  }
  if (!fs::exists(dir / "register.db")) {
    std::fprintf(stderr, "no %s: make one with bench_update --keep --dir %s\n",
                 (dir / "register.db").c_str(), dir.c_str());
    return 2;
  }
  const std::string self = fs::canonical("/proc/self/exe").string();
  const std::vector<Case> all = cases();
  std::printf("bench_extraction: %s, %d interleaved rounds (odd: sqlite3 first)\n",
              (dir / "register.db").c_str(), rounds);
  bool all_met = true;
  for (std::size_t which = 0; which < all.size(); ++which) {
    if (only >= 0 && static_cast<std::size_t>(only) != which) continue;
    const Case& c = all[which];
    std::ofstream(dir / "baseline.sql") << ".mode csv\n.separator ;\n.headers on\n.output "
                                        << (dir / "baseline.csv").string() << "\n"
                                        << c.sql << "\n";
    std::vector<Round> results;
    for (int round = 1; round <= rounds; ++round) {
      Round r;
      const auto run_sqlite = [&] {
        r.sqlite = bench::in_child({"/bin/sh", "-c",
                                    "sqlite3 " + (dir / "register.db").string() + " < " +
                                        (dir / "baseline.sql").string()})
                       .seconds;
        r.sqlite_rows = count_lines(dir / "baseline.csv") - 1;
      };
      const auto run_popgate = [&] {
        const bench::ChildRun run =
            bench::in_child({self, "--extract-in", dir.string(), std::to_string(which)});
        if (run.status != 0) std::exit(1);
        r.popgate = run.seconds;
        const fs::path work = dir / ("work-" + std::to_string(which));
        r.rss_kib = read_number(work / "peak_rss_kib");
        r.rows = read_number(work / "rows");
      };
      if (round % 2 == 1) {
        run_sqlite();
        run_popgate();
      } else {
        run_popgate();
        run_sqlite();
      }
      std::printf(
          "  round %d %-52s popgate %7.2f s (%ld rows, peak RSS %4ld MiB)  sqlite3 %7.2f s "
          "(%ld rows)  ratio %.2f\n",
          round, c.name.c_str(), r.popgate, r.rows, r.rss_kib / 1024, r.sqlite, r.sqlite_rows,
          r.popgate / r.sqlite);
      if (r.rows != r.sqlite_rows) {
        std::printf("  ROWS DIFFER: popgate %ld, sqlite3 %ld\n", r.rows, r.sqlite_rows);
        all_met = false;
      }
      results.push_back(r);
    }
    std::vector<double> ratios;
    long peak = 0;
    for (const Round& r : results) {
      ratios.push_back(r.popgate / r.sqlite);
      peak = std::max(peak, r.rss_kib);
    }
    std::sort(ratios.begin(), ratios.end());
    const double median = ratios[ratios.size() / 2];
    const bool met = median <= c.target && (which != 1 || peak <= 200 * 1024);
    all_met = all_met && met;
    std::printf("%-52s median ratio %.2f (%.2f-%.2f), target <= %.1f%s; peak RSS %ld MiB -> %s\n\n",
                c.name.c_str(), median, ratios.front(), ratios.back(), c.target,
                which == 1 ? ", RSS <= 200 MiB" : "", peak / 1024, met ? "met" : "MISSED");
  }
  return all_met ? 0 : 3;
}
