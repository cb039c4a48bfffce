#include "registry/update_row.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace popgate::registry {
namespace {

Person registered() {
  Person p;
  p.hetu = "010190-123X";
  p.first_names = "Anna Maria";
  p.last_name = "Mäkinen";
  p.birth_date = Date{1990, 1, 1};
  p.home_municipality = "091";
  p.addresses = {{AddressKind::permanent, "Koivukatu 12", "A 5", "00100", "Helsinki", "FI",
                  Date{2001, 6, 1}, std::nullopt}};
  return p;
}

std::string field(const std::vector<std::string>& columns, const std::vector<std::string>& row,
                  const std::string& name) {
  const auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end()) return "<no column>";
  return row.at(static_cast<std::size_t>(it - columns.begin()));
}

TEST(ParseClientRow, DatesSexAndMunicipalitiesInTheirUsualForms) {
  ClientRow row;
  row.last_name = "Mäkinen";
  row.first_names = "Anna";
  row.birth_date = "1.1.1990";
  row.sex = "N";
  row.municipality = "Helsingfors";
  row.hetu = "010190-123x";
  ParsedClientRow parsed = parse_client_row(row);
  EXPECT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.match.birth_date, (Date{1990, 1, 1}));
  EXPECT_EQ(parsed.match.sex, Sex::female);
  EXPECT_EQ(parsed.match.municipality, "091");
  EXPECT_EQ(parsed.match.hetu, "010190-123X");
  EXPECT_EQ(municipality_code("91"), "091");
  EXPECT_EQ(municipality_code("Hämeenlinna"), "109");
  EXPECT_EQ(municipality_code("HAMEENLINNA"), "109");
  EXPECT_EQ(municipality_code("Atlantis"), std::nullopt);
  EXPECT_EQ(parse_client_sex("mies"), Sex::male);
  EXPECT_EQ(parse_client_sex("x"), std::nullopt);
}

TEST(ParseClientRow, UnreadableFieldsMakeTheRowInvalidWithTheReason) {
  ClientRow row;
  row.last_name = "A";
  row.first_names = "B";
  row.birth_date = "31.2.1990";
  EXPECT_EQ(parse_client_row(row).error, "birth date '31.2.1990' is not DD.MM.YYYY or YYYY-MM-DD");
  row.birth_date = "1990-01-01";
  row.sex = "?";
  EXPECT_NE(parse_client_row(row).error.find("sex '?'"), std::string::npos);
  ClientRow empty;
  empty.client_ref = "7";
  EXPECT_NE(parse_client_row(empty).error.find("no HETU"), std::string::npos);
}

// A megabyte of "surname" is not a name: refused before it is compared with anyone.
TEST(ParseClientRow, FieldsLongerThanAnyNameOrAddressAreRefused) {
  ClientRow row;
  row.last_name = std::string(200, 'A');
  row.first_names = "Anna";
  row.birth_date = "1.1.1990";
  EXPECT_EQ(parse_client_row(row).error, "");
  row.last_name += "A";
  EXPECT_EQ(parse_client_row(row).error, "surname is 201 bytes long; at most 200 are read");
  row.last_name = "Mäkinen";
  row.street = std::string(900000, 'x');
  EXPECT_EQ(parse_client_row(row).error, "street is 900000 bytes long; at most 200 are read");
  row.street.clear();
  row.first_names = std::string(1000, ' ');
  EXPECT_NE(parse_client_row(row).error.find("given names is 1000 bytes long"), std::string::npos);
}

class UpdateRowTest : public ::testing::Test {
 protected:
  UpdateRowTest() {
    permit_.id = "P/1";
    permit_.use = PermitUse::customer_register_update;
    permit_.data_groups = groups_;
    context_.permit = &permit_;
    context_.day = Date{2026, 11, 22};
    context_.held_by_client = true;
    match_.outcome = MatchOutcome::matched_hetu;
    match_.score = 1.0;
    match_.reason = "HETU";
    match_.person = registered();
    row_.client_ref = "C-1";
    row_.last_name = "Virtanen";  // she has married since
    row_.first_names = "Anna";    // a subset: not a change
    row_.street = "Koivukatu 12";
    row_.postal_code = "00200";  // moved within the street? the register says 00100
  }

  std::vector<DataGroup> groups_ = {DataGroup::identity, DataGroup::names,
                                    DataGroup::permanent_address};
  Permit permit_;
  DisclosureContext context_;
  MatchResult match_;
  ClientRow row_;
};

TEST_F(UpdateRowTest, AMatchedRowHoldsTheGrantedDataAndWhatChanged) {
  const std::vector<std::string> columns = update_columns(groups_);
  const UpdateRowResult result = update_result_row(row_, match_, groups_, context_);
  ASSERT_EQ(result.fields.size(), columns.size());
  EXPECT_EQ(field(columns, result.fields, "client_ref"), "C-1");
  EXPECT_EQ(field(columns, result.fields, "outcome"), "MATCHED_HETU");
  EXPECT_EQ(field(columns, result.fields, "score"), "1.000");
  EXPECT_EQ(field(columns, result.fields, "changed"), "last_name,first_names,postal_code");
  EXPECT_EQ(result.disclosed_hetu, "010190-123X");
  const auto last = std::find(columns.begin(), columns.end(), "changed");
  EXPECT_NE(std::find(columns.begin(), last, "names.last_name"), last);
  EXPECT_EQ(std::find(columns.begin(), columns.end(), "home_municipality.code"), columns.end())
      << "no column of a group not requested";
}

// Saying that an address differs tells something about the address: a person whose address
// is withheld gets neither the address nor a comparison with it.
TEST_F(UpdateRowTest, AWithheldAddressIsNeitherShownNorCompared) {
  match_.person->bans = kBanSafety;
  const std::vector<std::string> columns = update_columns(groups_);
  const UpdateRowResult result = update_result_row(row_, match_, groups_, context_);
  EXPECT_EQ(field(columns, result.fields, "changed"), "last_name,first_names");
  EXPECT_EQ(field(columns, result.fields, "note"), std::string(kWithheldNote));
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].starts_with("permanent_address.")) {
      EXPECT_EQ(result.fields[i], "") << columns[i];
    }
  }
}

TEST_F(UpdateRowTest, NothingOfThePersonForAnAmbiguousOrBannedRow) {
  const std::vector<std::string> columns = update_columns(groups_);
  MatchResult ambiguous;
  ambiguous.outcome = MatchOutcome::ambiguous;
  ambiguous.candidates = 2;
  ambiguous.reason = "2 persons fit these names and birth date";
  UpdateRowResult result = update_result_row(row_, ambiguous, groups_, context_);
  ASSERT_EQ(result.fields.size(), columns.size());
  EXPECT_EQ(result.disclosed_hetu, "");
  for (std::size_t i = 4; i < columns.size(); ++i)
    EXPECT_EQ(result.fields[i], "") << columns[i];

  match_.person->bans = kBanCustomerRegisterUpdate;
  result = update_result_row(row_, match_, groups_, context_);
  EXPECT_EQ(result.disclosed_hetu, "");
  EXPECT_NE(field(columns, result.fields, "reason").find("not disclosed"), std::string::npos);
  for (std::size_t i = 4; i < columns.size(); ++i)
    EXPECT_EQ(result.fields[i], "") << columns[i];
}

}  // namespace
}  // namespace popgate::registry
