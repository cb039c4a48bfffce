// registry::RegisterStore on one SQLite file (register.db, schema in register_schema.h).
//
// One connection, one thread at a time: a component that reads from several threads opens one
// store per thread (WAL lets them read while another process writes).
#ifndef POPGATE_ADAPTERS_STORE_SQLITE_REGISTER_STORE_H_
#define POPGATE_ADAPTERS_STORE_SQLITE_REGISTER_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/store/sqlite.h"
#include "registry/register_store.h"

namespace popgate::store {

class SqliteRegisterStore final : public registry::RegisterStore {
 public:
  enum class Mode {
    // Reads only; the file must exist at the current schema version.
    read_only,
    // Creates the file when missing and migrates an older one. WAL journal.
    read_write,
    // Builds a new file fast: no journal on disk, no fsync, a large cache, and the secondary
    // indexes (unique keys included) only in finish_bulk_load(). Until then the file is marked
    // unfinished and other modes refuse it, lookups scan whole tables, and putting a HETU or PRT
    // again appends a second row that finish_bulk_load() resolves: the last put wins, as with
    // put_person's replace (the replaced record's id is then gone).
    bulk_load,
  };

  // Throws registry::StoreError: missing file (read_only), existing file (bulk_load), a file
  // newer than this binary, not a register, an unfinished bulk load.
  static std::unique_ptr<SqliteRegisterStore> open(const std::string& path, Mode mode);

  ~SqliteRegisterStore() override;

  // bulk_load only: creates the indexes, runs ANALYZE, makes the file durable and switches it
  // to WAL; afterwards the store behaves as in read_write mode.
  void finish_bulk_load();

  Mode mode() const { return mode_; }
  const std::string& path() const { return db_.path(); }

  // Cheaper than person_by_hetu when only existence matters (import checks family links).
  bool has_person(std::string_view hetu);
  // Every meta entry, in key order.
  std::vector<std::pair<std::string, std::string>> all_meta();
  // The file's schema version (PRAGMA user_version).
  int schema_version();

  // registry::RegisterStore
  std::optional<registry::Person> person_by_hetu(std::string_view hetu) override;
  // Holds one read transaction (see ReadSnapshot) until the result goes: a job that reads many
  // persons sees one register state and skips the per-lookup locking.
  std::unique_ptr<ReadSnapshot> read_snapshot() { return std::make_unique<ReadSnapshot>(db_); }
  std::optional<registry::Person> read_person(std::string_view hetu,
                                              registry::PersonRead read) override;
  void read_persons(std::span<const std::string> hetus, registry::PersonRead read,
                    const std::function<void(std::size_t, registry::Person&&)>& found) override;
  std::vector<registry::NameCandidate> name_candidates_born(
      const registry::Date& day, std::optional<registry::Sex> sex) override;
  std::optional<registry::Building> building_by_prt(std::string_view prt) override;
  std::optional<std::string> meta(std::string_view key) override;
  registry::RegisterCounts counts() override;
  registry::RegisterHead head() override;
  // Key order is the store's id order (for a fresh load, the order of the puts).
  void for_each_person(const std::function<bool(const registry::Person&)>& visit) override;
  void for_each_building(const std::function<bool(const registry::Building&)>& visit) override;
  void for_each_change(std::int64_t after_seq,
                       const std::function<bool(const registry::ChangeEvent&)>& visit) override;
  // One transaction at a time; the store must outlive it.
  std::unique_ptr<registry::RegisterTransaction> begin() override;

 private:
  friend class SqliteRegisterTransaction;
  struct Statements;

  SqliteRegisterStore(const std::string& path, Mode mode);

  void configure();
  void put_person(registry::Person& person);
  void put_building(registry::Building& building);
  void append_change(registry::ChangeEvent& event);
  void put_meta(std::string_view key, std::string_view value);
  void insert_person_rows(registry::Person& person, std::optional<std::int64_t> id);
  void insert_building_rows(registry::Building& building, std::optional<std::int64_t> id);
  void load_person_children(registry::Person& person, registry::PersonRead read);
  void load_building_children(registry::Building& building);
  void resolve_bulk_duplicates();
  void transaction_ended() { in_transaction_ = false; }

  Database db_;
  Mode mode_;
  std::unique_ptr<Statements> statements_;
  bool in_transaction_ = false;
  // Reused join buffers for the '|'-joined columns: no allocation per put.
  std::string joined_former_names_;
  std::string joined_nationalities_;
};

}  // namespace popgate::store

#endif  // POPGATE_ADAPTERS_STORE_SQLITE_REGISTER_STORE_H_
