#include "adapters/formats/record_json.h"

#include <gtest/gtest.h>

#include "adapters/formats/format_error.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::formats {
namespace {

using registry::Building;
using registry::ChangeEvent;
using registry::Person;

template <typename Record>
Record decoded(const std::string& text) {
  JsonRecordDecoder decoder;
  Record record;
  decoder.decode(text, record);
  return record;
}

// The error decoding `text` as a Person, as "field: reason".
template <typename Record = Person>
std::string error_of(const std::string& text) {
  try {
    decoded<Record>(text);
  } catch (const FormatError& e) {
    EXPECT_EQ(e.line(), 0);
    return e.field().empty() ? e.reason() : e.field() + ": " + e.reason();
  }
  return "no error";
}

// A valid person line with `member` replaced (or added) by `replacement`.
std::string person_with(const std::string& member, const std::string& replacement) {
  std::string text = to_json(testing::full_person());
  const size_t at = text.find("\"" + member + "\":");
  if (at == std::string::npos) return text.substr(0, text.size() - 1) + "," + replacement + "}";
  // Replace up to the next top-level member: find the following ",\"" at depth 0.
  int depth = 0;
  size_t end = at;
  for (bool in_string = false; end < text.size(); ++end) {
    const char c = text[end];
    if (in_string) {
      if (c == '\\')
        ++end;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') {
      if (depth == 0) break;
      --depth;
    }
    if (c == ',' && depth == 0) break;
  }
  return text.substr(0, at) + replacement + text.substr(end);
}

TEST(RecordJson, PersonRoundTrip) {
  const Person person = testing::full_person();
  const std::string line = to_json(person);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line";
  EXPECT_EQ(decoded<Person>(line), person);
  EXPECT_EQ(decoded<Person>(to_json(person, 2)), person);
  Person minimal;
  minimal.hetu = testing::hetu(1, 1, 1990, 3);
  minimal.sex = registry::Sex::male;
  minimal.birth_date = {1990, 1, 1};
  EXPECT_EQ(decoded<Person>(to_json(minimal)), minimal);
}

TEST(RecordJson, PersonFieldsAreNamedAndTyped) {
  const std::string line = to_json(testing::full_person());
  for (const char* piece : {R"("sex":"female")", R"("birth_date":"1975-03-15")",
                            R"("death_date":"2024-12-01")", R"("nationalities":["FI","SE"])",
                            R"("marital_status":"widowed")", R"("bans":["safety","genealogy"])",
                            R"({"kind":"foreign","street":"12 Rue de la Paix\nApt 4")",
                            R"("end":null)", R"({"relation":"spouse","hetu":")"}) {
    EXPECT_NE(line.find(piece), std::string::npos) << piece << "\n" << line;
  }
  EXPECT_EQ(line.find("\"id\""), std::string::npos) << "the store key never leaves popgate";
}

TEST(RecordJson, BuildingAndChangeRoundTrip) {
  const Building building = testing::full_building();
  EXPECT_EQ(decoded<Building>(to_json(building)), building);
  Building minimal;
  minimal.prt = testing::prt(100000001);
  EXPECT_EQ(decoded<Building>(to_json(minimal)), minimal);
  EXPECT_NE(to_json(building).find(R"("equipment":["elevator","sauna","sewer"])"),
            std::string::npos);

  ChangeEvent change = testing::sample_change(testing::hetu(1, 1, 1990, 2));
  change.seq = 42;
  EXPECT_EQ(decoded<ChangeEvent>(to_json(change)), change);
  EXPECT_NE(to_json(change).find(R"("values":{"street":)"), std::string::npos);
}

TEST(RecordJson, MissingOptionalFieldsTakeDefaults) {
  const Person p =
      decoded<Person>(R"({"hetu":"010190-123M","sex":"male","birth_date":"1990-01-01"})");
  EXPECT_EQ(p.hetu, "010190-123M");
  EXPECT_TRUE(p.addresses.empty());
  EXPECT_EQ(p.marital_status, registry::MaritalStatus::unknown);
  EXPECT_FALSE(p.death_date);
}

TEST(RecordJson, ErrorsNameTheFieldAndSayWhy) {
  // After the prefix, the parser's own words.
  EXPECT_EQ(error_of("not json").rfind("not valid JSON: ", 0), 0u) << error_of("not json");
  EXPECT_EQ(error_of("[1]"), "not a JSON object");
  EXPECT_EQ(error_of(R"({"sex":"male","birth_date":"1990-01-01"})"), "hetu: missing");
  EXPECT_EQ(error_of(person_with("sex", R"("sex":"x")")), "sex: 'x' is not one of: male, female");
  EXPECT_EQ(error_of(person_with("sex", R"("sex":1)")), "sex: expected a string");
  EXPECT_EQ(error_of(person_with("birth_date", R"("birth_date":"15.03.1975")")),
            "birth_date: '15.03.1975' is not a date (YYYY-MM-DD)");
  EXPECT_EQ(error_of(person_with("birth_date", R"("birth_date":"1975-02-30")")),
            "birth_date: '1975-02-30' is not a date (YYYY-MM-DD)");
  EXPECT_EQ(error_of(person_with("nickname", R"("nickname":"Mia")")), "nickname: unknown field");
  EXPECT_EQ(error_of(person_with("nationalities", R"("nationalities":"FI")")),
            "nationalities: expected an array");
  EXPECT_EQ(error_of(person_with("nationalities", R"("nationalities":["FI",2])")),
            "nationalities[1]: expected a string");
  EXPECT_EQ(
      error_of(person_with("addresses", R"("addresses":[{"kind":"postal","start":"2001-01-01"},)"
                                        R"({"kind":"postal","start":"2001-13-01"}])")),
      "addresses[1].start: '2001-13-01' is not a date (YYYY-MM-DD)");
  EXPECT_EQ(error_of(person_with("addresses", R"("addresses":[{"start":"2001-01-01"}])")),
            "addresses[0].kind: missing");
  EXPECT_EQ(
      error_of(person_with("addresses", R"("addresses":[{"kind":"home","start":"2001-01-01"}])")),
      "addresses[0].kind: 'home' is not one of: permanent, temporary, postal, foreign");
  EXPECT_EQ(error_of(person_with("addresses", R"("addresses":[{"kind":"postal","floor":3}])")),
            "addresses[0].floor: unknown field");
  EXPECT_EQ(error_of(person_with("addresses", R"("addresses":["x"])")),
            "addresses[0]: expected an object");
  EXPECT_EQ(error_of(person_with("family", R"("family":[{"relation":"cousin","hetu":"x"}])")),
            "family[0].relation: 'cousin' is not one of: spouse, parent, child, guardian, ward");
  EXPECT_EQ(error_of(person_with("bans", R"("bans":["safety","loud"])")),
            "bans: 'loud' is not one of: safety, direct_marketing, market_research, genealogy, "
            "person_directory, address_services, customer_register_update");
  EXPECT_EQ(error_of(person_with("marital_status", R"("marital_status":"engaged")")),
            "marital_status: 'engaged' is not one of: unknown, unmarried, married, divorced, "
            "widowed, registered_partnership, dissolved_partnership, surviving_partner");
}

TEST(RecordJson, BuildingAndChangeErrors) {
  EXPECT_EQ(error_of<Building>(R"({"prt":"100012345N","floors":2.5})"),
            "floors: expected a whole number");
  EXPECT_EQ(error_of<Building>(R"({"prt":"100012345N","floors":true})"),
            "floors: expected a whole number");
  EXPECT_EQ(error_of<Building>(R"({"prt":"100012345N","floors":-1})"),
            "floors: -1 is out of range (0..1000)");
  EXPECT_EQ(error_of<Building>(R"({"prt":"100012345N","equipment":["jacuzzi"]})").substr(0, 40),
            "equipment: 'jacuzzi' is not one of: elev");
  EXPECT_EQ(error_of<ChangeEvent>(
                R"({"record_date":"2024-01-01","effective_date":"2024-01-01","subject":"person",)"
                R"("subject_id":"x","kind":"move","group":"permanent_address","values":{"a":1}})"),
            "values.a: expected a string");
  EXPECT_EQ(error_of<ChangeEvent>(
                R"({"record_date":"2024-01-01","effective_date":"2024-01-01","subject":"person",)"
                R"("subject_id":"x","kind":"move","group":"address"})")
                .substr(0, 36),
            "group: 'address' is not one of: iden");
}

}  // namespace
}  // namespace popgate::formats

namespace popgate::formats {
namespace {

TEST(RecordJson, DuplicateKeysAreRefusedAtAnyDepth) {
  JsonRecordDecoder decoder;
  registry::Person person;
  try {
    decoder.decode(R"({"hetu":"131052-308T","hetu":"010190-999W"})", person);
    FAIL() << "a repeated key was accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate key 'hetu'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(decoder.decode(R"({"hetu":"131052-308T","addresses":[{"kind":"permanent",)"
                              R"("kind":"postal"}]})",
                              person),
               FormatError);
  // The same key in two sibling objects is fine.
  EXPECT_NO_THROW(decoder.decode(
      R"({"hetu":"131052-308T","first_names":"A","last_name":"B","sex":"male",)"
      R"("birth_date":"1952-10-13","family":[{"relation":"parent","hetu":"010190-999W"},)"
      R"({"relation":"parent","hetu":"131052-308T"}]})",
      person));
}

}  // namespace
}  // namespace popgate::formats
