// The register.db schema: its tables, its secondary indexes, its version and how older files
// are brought up to date.
//
// The version lives in PRAGMA user_version. Migration N takes a file from version N-1 to N;
// each runs in its own transaction together with the version bump, so a crash leaves the file
// at some whole version. A file newer than this binary is refused rather than guessed at.
//
// Layout (see register_schema.cpp for the DDL):
//   person            one row per person; lists (former names, nationalities) '|'-joined
//   person_address    clustered by (person_id, ord): a person's addresses are adjacent on disk,
//                     so reading them is one seek and no separate index is needed
//   person_family     clustered by (person_id, ord); the other person by HETU, so that persons
//                     can be loaded in any order
//   building, building_address (clustered by (building_id, ord))
//   change_log        seq INTEGER PRIMARY KEY AUTOINCREMENT: never reused, even after pruning,
//                     because the change data service uses seq as its cursor
//   meta              key/value facts about the register (synthesis seed, as-of date)
//   (person_surname   version 2 only: dropped by version 3, see register_schema.cpp)
// Dates are ISO 8601 text ("1990-01-31"): readable with the sqlite3 shell and ordered as text.
// Enums are small integers (the codes below), part of the file format: never renumber them.
#ifndef POPGATE_ADAPTERS_STORE_REGISTER_SCHEMA_H_
#define POPGATE_ADAPTERS_STORE_REGISTER_SCHEMA_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/store/sqlite.h"
#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/data_group.h"
#include "registry/person.h"

namespace popgate::store {

// The schema version this binary creates and understands.
constexpr int kRegisterSchemaVersion = 3;

struct Migration {
  int version;  // the version the file has after this migration
  std::string_view summary;
  std::string_view sql;
  // Then fills what SQL cannot compute from the data already there (nullptr: nothing), in the
  // same transaction.
  void (*fill)(Database& db) = nullptr;
};

// Every migration in order; the last one's version is kRegisterSchemaVersion.
std::span<const Migration> register_migrations();

// The secondary indexes of the current schema (unique keys included). Kept apart from the
// tables because a bulk load creates them only at the end, sorted in one pass, instead of
// updating them row by row.
struct IndexDefinition {
  std::string_view name;
  std::string_view sql;  // CREATE [UNIQUE] INDEX IF NOT EXISTS ...
};
std::span<const IndexDefinition> register_indexes();

// The file's PRAGMA user_version.
int register_schema_version(Database& db);
// The same of the file at `path`, opened read-only for the question.
int register_file_version(const std::string& path);

// Brings `db` to kRegisterSchemaVersion; creates the indexes unless `defer_indexes`.
// Throws registry::StoreError when the file is newer than this binary.
void migrate_register(Database& db, bool defer_indexes);

// Throws registry::StoreError unless the file is exactly at kRegisterSchemaVersion (for
// read-only opens, which cannot migrate).
void check_register_version(Database& db);

void create_register_indexes(Database& db);

// Stored codes of the enums (the file format). to_code() never fails; the from_code()
// functions throw registry::StoreError naming `column` for a code this binary does not know.
//   Sex            male 1, female 2 (the register's codes)
//   MaritalStatus  the register's codes 0..7 as in person.h
//   AddressKind    permanent 1, temporary 2, postal 3, foreign 4
//   Relation       spouse 1, parent 2, child 3, guardian 4, ward 5
//   Heating        the codes 0..9 as in building.h
//   SubjectKind    person 1, building 2
//   ChangeKind     birth 1, death 2, move 3, marriage 4, divorce 5, widowhood 6, name_change 7,
//                  immigration 8, emigration 9, disclosure_ban 10, correction 11,
//                  building_new 12, building_change 13
//   DataGroup      identity 1, names 2, death 3, mother_tongue 4, nationality 5,
//                  home_municipality 6, permanent_address 7, temporary_address 8,
//                  postal_address 9, foreign_address 10, residence_building 11, family 12,
//                  marital_status 13, non_disclosure 14, building 15
std::int64_t to_code(registry::Sex value);
std::int64_t to_code(registry::MaritalStatus value);
std::int64_t to_code(registry::AddressKind value);
std::int64_t to_code(registry::Relation value);
std::int64_t to_code(registry::Heating value);
std::int64_t to_code(registry::SubjectKind value);
std::int64_t to_code(registry::ChangeKind value);
std::int64_t to_code(registry::DataGroup value);

template <typename Enum>
Enum from_code(std::int64_t code, std::string_view column);
template <>
registry::Sex from_code<registry::Sex>(std::int64_t code, std::string_view column);
template <>
registry::MaritalStatus from_code<registry::MaritalStatus>(std::int64_t code,
                                                           std::string_view column);
template <>
registry::AddressKind from_code<registry::AddressKind>(std::int64_t code, std::string_view column);
template <>
registry::Relation from_code<registry::Relation>(std::int64_t code, std::string_view column);
template <>
registry::Heating from_code<registry::Heating>(std::int64_t code, std::string_view column);
template <>
registry::SubjectKind from_code<registry::SubjectKind>(std::int64_t code, std::string_view column);
template <>
registry::ChangeKind from_code<registry::ChangeKind>(std::int64_t code, std::string_view column);
template <>
registry::DataGroup from_code<registry::DataGroup>(std::int64_t code, std::string_view column);

}  // namespace popgate::store

#endif  // POPGATE_ADAPTERS_STORE_REGISTER_SCHEMA_H_
