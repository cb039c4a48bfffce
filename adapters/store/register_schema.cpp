#include "adapters/store/register_schema.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace popgate::store {
namespace {

using registry::StoreError;

// Version 1. STRICT makes SQLite refuse a value of the wrong type instead of storing it; the
// child tables are WITHOUT ROWID so that their primary key is the clustering key.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE person (
  id                      INTEGER PRIMARY KEY,
  hetu                    TEXT NOT NULL,     -- unique: index person_hetu
  first_names             TEXT NOT NULL,
  last_name               TEXT NOT NULL,
  former_last_names       TEXT NOT NULL,     -- '|'-joined, most recent first
  sex                     INTEGER NOT NULL,  -- code
  birth_date              TEXT NOT NULL,
  death_date              TEXT,              -- NULL while alive
  mother_tongue           TEXT NOT NULL,
  nationalities           TEXT NOT NULL,     -- '|'-joined
  home_municipality       TEXT NOT NULL,
  home_municipality_start TEXT,
  residence_building      TEXT NOT NULL,
  residence_apartment     TEXT NOT NULL,
  marital_status          INTEGER NOT NULL,  -- code
  bans                    INTEGER NOT NULL   -- bit set, registry::Ban
) STRICT;

CREATE TABLE person_address (
  person_id   INTEGER NOT NULL,
  ord         INTEGER NOT NULL,  -- position in Person::addresses
  kind        INTEGER NOT NULL,  -- code
  street      TEXT NOT NULL,
  apartment   TEXT NOT NULL,
  postal_code TEXT NOT NULL,
  post_office TEXT NOT NULL,
  country     TEXT NOT NULL,
  start_date  TEXT NOT NULL,
  end_date    TEXT,
  PRIMARY KEY (person_id, ord)
) WITHOUT ROWID, STRICT;

CREATE TABLE person_family (
  person_id  INTEGER NOT NULL,
  ord        INTEGER NOT NULL,  -- position in Person::family
  relation   INTEGER NOT NULL,  -- code
  other_hetu TEXT NOT NULL,
  PRIMARY KEY (person_id, ord)
) WITHOUT ROWID, STRICT;

CREATE TABLE building (
  id              INTEGER PRIMARY KEY,
  prt             TEXT NOT NULL,     -- unique: index building_prt
  municipality    TEXT NOT NULL,
  north           INTEGER NOT NULL,  -- ETRS-TM35FIN metres
  east            INTEGER NOT NULL,
  use_class       TEXT NOT NULL,
  completion_year INTEGER NOT NULL,
  floors          INTEGER NOT NULL,
  floor_area_m2   INTEGER NOT NULL,
  apartments      INTEGER NOT NULL,
  heating         INTEGER NOT NULL,  -- code
  equipment       INTEGER NOT NULL,  -- bit set, registry::Equipment
  demolished_year INTEGER
) STRICT;

CREATE TABLE building_address (
  building_id INTEGER NOT NULL,
  ord         INTEGER NOT NULL,
  street      TEXT NOT NULL,
  postal_code TEXT NOT NULL,
  post_office TEXT NOT NULL,
  language    TEXT NOT NULL,
  PRIMARY KEY (building_id, ord)
) WITHOUT ROWID, STRICT;

CREATE TABLE change_log (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  record_date    TEXT NOT NULL,
  effective_date TEXT NOT NULL,
  subject_kind   INTEGER NOT NULL,  -- code
  subject_id     TEXT NOT NULL,     -- HETU or PRT
  kind           INTEGER NOT NULL,  -- code
  data_group     INTEGER NOT NULL,  -- code
  values_json    TEXT NOT NULL      -- {"field":"value",...} in the event's order
) STRICT;

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID, STRICT;
)sql";

// Version 2: every person filed under the keys of its surnames, for rows whose birth date is
// mistyped. Version 3 drops the table again: matching now finds those persons through the
// birth date index it reads anyway (a day's candidates hashed by their surname keys), which
// is several times faster than a key's range here and 264 MiB smaller for 5.6M persons. The
// table is therefore no longer filled on the way to version 3.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE person_surname (
  key            TEXT NOT NULL,     -- registry::surname_keys of the current or a former surname
  birth_date     TEXT NOT NULL,
  person_id      INTEGER NOT NULL,
  sex            INTEGER NOT NULL,  -- code
  given_initials INTEGER NOT NULL,  -- registry::given_name_initials
  PRIMARY KEY (key, birth_date, person_id)
) WITHOUT ROWID, STRICT;
)sql";

constexpr std::string_view kSchemaV3 = R"sql(
DROP TABLE IF EXISTS person_surname;
)sql";

constexpr Migration kMigrations[] = {
    {1, "persons, buildings, change log, meta", kSchemaV1},
    {2, "surname keys", kSchemaV2},
    {3, "surname keys dropped", kSchemaV3},
};
static_assert(std::size(kMigrations) == kRegisterSchemaVersion);

// The matching and extraction services search by these; the unique ones enforce the keys.
constexpr IndexDefinition kIndexes[] = {
    {"person_hetu", "CREATE UNIQUE INDEX IF NOT EXISTS person_hetu ON person(hetu)"},
    // Name + birth date matching blocks on the birth date (and the sex), then compares what
    // this index holds beside them: a day's candidates are read from its pages alone, not from
    // as many records scattered over the person table and its addresses. It replaced
    // person_birth_sex(birth_date, sex), its prefix.
    {"person_birth_names",
     "CREATE INDEX IF NOT EXISTS person_birth_names ON person(birth_date, sex, last_name, "
     "former_last_names, first_names, home_municipality, bans, hetu)"},
    // Extraction by municipality and age.
    {"person_municipality_birth",
     "CREATE INDEX IF NOT EXISTS person_municipality_birth ON person(home_municipality, "
     "birth_date)"},
    {"building_prt", "CREATE UNIQUE INDEX IF NOT EXISTS building_prt ON building(prt)"},
    {"building_municipality_class_year",
     "CREATE INDEX IF NOT EXISTS building_municipality_class_year ON building(municipality, "
     "use_class, completion_year)"},
    // A subject's history (its seq order comes with the rowid in every index entry).
    {"change_log_subject",
     "CREATE INDEX IF NOT EXISTS change_log_subject ON change_log(subject_id)"},
};

// ---------------------------------------------------------------------------------------------
// Enum codes

template <typename Enum, size_t N>
struct CodeTable {
  std::array<std::pair<Enum, std::int64_t>, N> entries;

  std::int64_t code(Enum value) const {
    for (const auto& [v, c] : entries) {
      if (v == value) return c;
    }
    // Only reachable with a value outside the enum (a cast from garbage): store it as 0,
    // which no table maps except the "unknown" of MaritalStatus and Heating.
    return 0;
  }

  Enum value(std::int64_t stored, std::string_view column) const {
    for (const auto& [v, c] : entries) {
      if (c == stored) return v;
    }
    throw StoreError("register.db: " + std::string(column) + " holds code " +
                     std::to_string(stored) + ", unknown to this popgate");
  }
};

template <typename Enum, typename... Entries>
constexpr auto make_codes(Entries... entries) {
  return CodeTable<Enum, sizeof...(Entries)>{{{entries...}}};
}

template <typename E>
using C = std::pair<E, std::int64_t>;

using registry::AddressKind;
using registry::ChangeKind;
using registry::DataGroup;
using registry::Heating;
using registry::MaritalStatus;
using registry::Relation;
using registry::Sex;
using registry::SubjectKind;

constexpr auto kSexCodes = make_codes<Sex>(C<Sex>{Sex::male, 1}, C<Sex>{Sex::female, 2});

using M = MaritalStatus;
constexpr auto kMaritalCodes =
    make_codes<M>(C<M>{M::unknown, 0}, C<M>{M::unmarried, 1}, C<M>{M::married, 2},
                  C<M>{M::divorced, 3}, C<M>{M::widowed, 4}, C<M>{M::registered_partnership, 5},
                  C<M>{M::dissolved_partnership, 6}, C<M>{M::surviving_partner, 7});

using A = AddressKind;
constexpr auto kAddressKindCodes = make_codes<A>(C<A>{A::permanent, 1}, C<A>{A::temporary, 2},
                                                 C<A>{A::postal, 3}, C<A>{A::foreign, 4});

using R = Relation;
constexpr auto kRelationCodes =
    make_codes<R>(C<R>{R::spouse, 1}, C<R>{R::parent, 2}, C<R>{R::child, 3}, C<R>{R::guardian, 4},
                  C<R>{R::ward, 5});

using H = Heating;
constexpr auto kHeatingCodes =
    make_codes<H>(C<H>{H::unknown, 0}, C<H>{H::district, 1}, C<H>{H::electric, 2}, C<H>{H::oil, 3},
                  C<H>{H::gas, 4}, C<H>{H::wood, 5}, C<H>{H::ground_heat_pump, 6},
                  C<H>{H::air_heat_pump, 7}, C<H>{H::peat, 8}, C<H>{H::other, 9});

using S = SubjectKind;
constexpr auto kSubjectCodes = make_codes<S>(C<S>{S::person, 1}, C<S>{S::building, 2});

using K = ChangeKind;
constexpr auto kChangeKindCodes =
    make_codes<K>(C<K>{K::birth, 1}, C<K>{K::death, 2}, C<K>{K::move, 3}, C<K>{K::marriage, 4},
                  C<K>{K::divorce, 5}, C<K>{K::widowhood, 6}, C<K>{K::name_change, 7},
                  C<K>{K::immigration, 8}, C<K>{K::emigration, 9}, C<K>{K::disclosure_ban, 10},
                  C<K>{K::correction, 11}, C<K>{K::building_new, 12}, C<K>{K::building_change, 13});

using G = DataGroup;
constexpr auto kGroupCodes = make_codes<G>(
    C<G>{G::identity, 1}, C<G>{G::names, 2}, C<G>{G::death, 3}, C<G>{G::mother_tongue, 4},
    C<G>{G::nationality, 5}, C<G>{G::home_municipality, 6}, C<G>{G::permanent_address, 7},
    C<G>{G::temporary_address, 8}, C<G>{G::postal_address, 9}, C<G>{G::foreign_address, 10},
    C<G>{G::residence_building, 11}, C<G>{G::family, 12}, C<G>{G::marital_status, 13},
    C<G>{G::non_disclosure, 14}, C<G>{G::building, 15});

}  // namespace

std::span<const Migration> register_migrations() {
  return kMigrations;
}
std::span<const IndexDefinition> register_indexes() {
  return kIndexes;
}

int register_file_version(const std::string& path) {
  Database db(path, OpenMode::read_only);
  return register_schema_version(db);
}

int register_schema_version(Database& db) {
  return static_cast<int>(
      db.query_int("PRAGMA user_version", "reading the schema version").value_or(0));
}

void check_register_version(Database& db) {
  const int version = register_schema_version(db);
  if (version > kRegisterSchemaVersion) {
    throw StoreError(db.path() + ": schema version " + std::to_string(version) +
                     " is newer than this popgate knows (" +
                     std::to_string(kRegisterSchemaVersion) + "); upgrade popgate");
  }
  if (version == 0) {
    throw StoreError(db.path() + ": not a popgate register (schema version 0)");
  }
  if (version < kRegisterSchemaVersion) {
    throw StoreError(db.path() + ": schema version " + std::to_string(version) +
                     " needs migrating to " + std::to_string(kRegisterSchemaVersion) +
                     ": run 'popgate register migrate --db " + db.path() + "'");
  }
}

void migrate_register(Database& db, bool defer_indexes) {
  const int version = register_schema_version(db);
  if (version > kRegisterSchemaVersion) check_register_version(db);  // throws "newer"
  // Version 0 is either a new, empty file or someone else's database: never add our tables
  // to the latter.
  if (version == 0 &&
      db.query_int("SELECT count(*) FROM sqlite_schema", "reading the schema").value_or(0) > 0) {
    throw StoreError(db.path() + ": not a popgate register (it has tables but schema version 0)");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= version) continue;
    Transaction transaction(db);
    // Checked inside the write lock: another process may have migrated meanwhile.
    if (register_schema_version(db) >= migration.version) continue;
    const std::string what = "migrating to schema version " + std::to_string(migration.version) +
                             " (" + std::string(migration.summary) + ")";
    db.exec(std::string(migration.sql), what);
    if (migration.fill != nullptr) migration.fill(db);
    // PRAGMA takes no parameters; the value is our own integer.
    db.exec("PRAGMA user_version = " + std::to_string(migration.version), what);
    transaction.commit();
  }
  if (!defer_indexes) create_register_indexes(db);
}

// Indexes an earlier popgate made that a newer one supersedes: dropped where they are found.
constexpr std::string_view kRetiredIndexes[] = {"person_birth_sex"};

void create_register_indexes(Database& db) {
  for (const IndexDefinition& index : kIndexes) {
    db.exec(std::string(index.sql), "creating index " + std::string(index.name));
  }
  for (const std::string_view retired : kRetiredIndexes) {
    db.exec("DROP INDEX IF EXISTS " + std::string(retired),
            "dropping the retired index " + std::string(retired));
  }
}

std::int64_t to_code(Sex value) {
  return kSexCodes.code(value);
}
std::int64_t to_code(MaritalStatus value) {
  return kMaritalCodes.code(value);
}
std::int64_t to_code(AddressKind value) {
  return kAddressKindCodes.code(value);
}
std::int64_t to_code(Relation value) {
  return kRelationCodes.code(value);
}
std::int64_t to_code(Heating value) {
  return kHeatingCodes.code(value);
}
std::int64_t to_code(SubjectKind value) {
  return kSubjectCodes.code(value);
}
std::int64_t to_code(ChangeKind value) {
  return kChangeKindCodes.code(value);
}
std::int64_t to_code(DataGroup value) {
  return kGroupCodes.code(value);
}

template <>
Sex from_code<Sex>(std::int64_t code, std::string_view column) {
  return kSexCodes.value(code, column);
}
template <>
MaritalStatus from_code<MaritalStatus>(std::int64_t code, std::string_view column) {
  return kMaritalCodes.value(code, column);
}
template <>
AddressKind from_code<AddressKind>(std::int64_t code, std::string_view column) {
  return kAddressKindCodes.value(code, column);
}
template <>
Relation from_code<Relation>(std::int64_t code, std::string_view column) {
  return kRelationCodes.value(code, column);
}
template <>
Heating from_code<Heating>(std::int64_t code, std::string_view column) {
  return kHeatingCodes.value(code, column);
}
template <>
SubjectKind from_code<SubjectKind>(std::int64_t code, std::string_view column) {
  return kSubjectCodes.value(code, column);
}
template <>
ChangeKind from_code<ChangeKind>(std::int64_t code, std::string_view column) {
  return kChangeKindCodes.value(code, column);
}
template <>
DataGroup from_code<DataGroup>(std::int64_t code, std::string_view column) {
  return kGroupCodes.value(code, column);
}

}  // namespace popgate::store
