#include "registry/person_fields.h"

#include <string>

#include "base/strings.h"

namespace popgate::registry {
namespace {

std::string date_or_empty(const std::optional<Date>& date) {
  return date ? date->iso() : "";
}

void add_address(std::vector<Field>& out, const Person& person, AddressKind kind) {
  const Address* a = person.address(kind);
  if (a == nullptr) {
    for (const char* name : {"street", "apartment", "postal_code", "post_office", "country",
                             "start_date", "end_date"}) {
      out.push_back({name, ""});
    }
    return;
  }
  out.push_back({"street", a->street});
  out.push_back({"apartment", a->apartment});
  out.push_back({"postal_code", a->postal_code});
  out.push_back({"post_office", a->post_office});
  out.push_back({"country", a->country});
  out.push_back({"start_date", a->start.iso()});
  out.push_back({"end_date", date_or_empty(a->end)});
}

std::string relatives(const Person& person, Relation relation) {
  std::vector<std::string> hetus;
  for (const FamilyLink& link : person.family) {
    if (link.relation == relation) hetus.push_back(link.hetu);
  }
  return base::join(hetus, "|");
}

}  // namespace

std::vector<Field> person_fields(const Person& person, DataGroup group) {
  std::vector<Field> out;
  switch (group) {
    case DataGroup::identity:
      out = {{"hetu", person.hetu},
             {"birth_date", person.birth_date.iso()},
             {"sex", std::string(to_string(person.sex))}};
      break;
    case DataGroup::names:
      out = {{"first_names", person.first_names},
             {"last_name", person.last_name},
             {"former_last_names", base::join(person.former_last_names, "|")}};
      break;
    case DataGroup::death:
      out = {{"death_date", date_or_empty(person.death_date)}};
      break;
    case DataGroup::mother_tongue:
      out = {{"mother_tongue", person.mother_tongue}};
      break;
    case DataGroup::nationality:
      out = {{"nationalities", base::join(person.nationalities, "|")}};
      break;
    case DataGroup::home_municipality:
      out = {{"home_municipality", person.home_municipality},
             {"start_date", date_or_empty(person.home_municipality_start)}};
      break;
    case DataGroup::permanent_address:
      add_address(out, person, AddressKind::permanent);
      break;
    case DataGroup::temporary_address:
      add_address(out, person, AddressKind::temporary);
      break;
    case DataGroup::postal_address:
      add_address(out, person, AddressKind::postal);
      break;
    case DataGroup::foreign_address:
      add_address(out, person, AddressKind::foreign);
      break;
    case DataGroup::residence_building:
      out = {{"prt", person.residence_building}, {"apartment", person.residence_apartment}};
      break;
    case DataGroup::family:
      out = {{"spouse", relatives(person, Relation::spouse)},
             {"parents", relatives(person, Relation::parent)},
             {"children", relatives(person, Relation::child)},
             {"guardians", relatives(person, Relation::guardian)},
             {"wards", relatives(person, Relation::ward)}};
      break;
    case DataGroup::marital_status:
      out = {{"marital_status", std::string(to_string(person.marital_status))}};
      break;
    case DataGroup::non_disclosure: {
      std::string bans;
      for (std::string_view name : ban_names(person.bans)) {
        if (!bans.empty()) bans += '|';
        bans += name;
      }
      out = {{"bans", bans}};
      break;
    }
    case DataGroup::building:
      break;
  }
  return out;
}

}  // namespace popgate::registry
