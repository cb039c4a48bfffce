#include "adapters/formats/record_json.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <initializer_list>
#include <limits>
#include <set>
#include <typeinfo>
#include <vector>

#include "adapters/formats/format_error.h"
#include "adapters/formats/json_fields.h"
#include "adapters/formats/record_values.h"

namespace popgate::formats {

using registry::Address;
using registry::Building;
using registry::BuildingAddress;
using registry::ChangeEvent;
using registry::Date;
using registry::FamilyLink;
using registry::Person;

namespace {

std::optional<std::string> iso(const std::optional<Date>& date) {
  if (!date) return std::nullopt;
  return date->iso();
}

void write_address(JsonWriter& w, const Address& a) {
  w.begin_object();
  w.field("kind", registry::to_string(a.kind));
  w.field("street", a.street);
  w.field("apartment", a.apartment);
  w.field("postal_code", a.postal_code);
  w.field("post_office", a.post_office);
  w.field("country", a.country);
  w.field("start", a.start.iso());
  w.field_optional("end", iso(a.end));
  w.end_object();
}

// ---------------------------------------------------------------------------------------------
// Decoding

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

bool is_integer(const Var& v) {
  return v.isInteger() && v.type() != typeid(bool);
}

// One JSON object being decoded. `path` prefixes the field names in errors ("addresses[1].").
class ObjectReader {
 public:
  ObjectReader(const Object& object, std::string path,
               std::initializer_list<std::string_view> known)
      : object_(object), path_(std::move(path)) {
    for (const std::string& name : object_.getNames()) {
      bool found = false;
      for (std::string_view k : known)
        found = found || k == name;
      if (!found) throw FormatError(0, path_ + name, "unknown field");
    }
  }

  std::string field(std::string_view name) const { return path_ + std::string(name); }

  // Missing and null are both "absent".
  bool absent(std::string_view name) const {
    const std::string key(name);
    return !object_.has(key) || object_.isNull(key);
  }

  Var get(std::string_view name) const { return object_.get(std::string(name)); }

  std::string string(std::string_view name, bool required = false) const {
    if (absent(name)) {
      if (required) throw FormatError(0, field(name), "missing");
      return {};
    }
    const Var v = get(name);
    if (!v.isString()) throw FormatError(0, field(name), "expected a string");
    return checked_text(v.extract<std::string>(), field(name), allowed_controls(name));
  }

  Date date(std::string_view name) const {
    return parse_date_value(string(name, /*required=*/true), field(name));
  }

  std::optional<Date> optional_date(std::string_view name) const {
    if (absent(name)) return std::nullopt;
    return parse_date_value(string(name), field(name));
  }

  std::optional<std::int64_t> optional_integer(std::string_view name, std::int64_t min,
                                               std::int64_t max) const {
    if (absent(name)) return std::nullopt;
    const Var v = get(name);
    if (!is_integer(v)) throw FormatError(0, field(name), "expected a whole number");
    std::int64_t value = 0;
    try {
      value = v.convert<Poco::Int64>();
    } catch (const Poco::Exception&) {
      throw FormatError(0, field(name), "out of range");
    }
    if (value < min || value > max) {
      throw FormatError(0, field(name),
                        std::to_string(value) + " is out of range (" + std::to_string(min) + ".." +
                            std::to_string(max) + ")");
    }
    return value;
  }

  int integer(std::string_view name, int min, int max) const {
    return static_cast<int>(optional_integer(name, min, max).value_or(0));
  }

  template <typename Enum>
  Enum enumeration(std::string_view name, std::optional<Enum> fallback) const {
    if (absent(name)) {
      if (!fallback) throw FormatError(0, field(name), "missing");
      return *fallback;
    }
    return parse_enum_value<Enum>(string(name), field(name));
  }

  // The array under `name`; null when absent.
  Array::Ptr array(std::string_view name) const {
    if (absent(name)) return nullptr;
    Array::Ptr items = object_.getArray(std::string(name));
    if (items.isNull()) throw FormatError(0, field(name), "expected an array");
    return items;
  }

  std::vector<std::string> strings(std::string_view name) const {
    std::vector<std::string> out;
    Array::Ptr items = array(name);
    if (items.isNull()) return out;
    for (unsigned i = 0; i < items->size(); ++i) {
      const Var v = items->get(i);
      const std::string item = field(name) + "[" + std::to_string(i) + "]";
      if (!v.isString()) throw FormatError(0, item, "expected a string");
      out.push_back(checked_text(v.extract<std::string>(), item));
    }
    return out;
  }

  // The objects of the array under `name`, each with its own reader path "name[i].".
  template <typename Visit>
  void objects(std::string_view name, std::initializer_list<std::string_view> known,
               const Visit& visit) const {
    Array::Ptr items = array(name);
    if (items.isNull()) return;
    for (unsigned i = 0; i < items->size(); ++i) {
      const std::string path = field(name) + "[" + std::to_string(i) + "]";
      Object::Ptr item = items->getObject(i);
      if (item.isNull()) throw FormatError(0, path, "expected an object");
      visit(ObjectReader(*item, path + ".", known));
    }
  }

  const Object& object() const { return object_; }

 private:
  const Object& object_;
  std::string path_;
};

constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();

void decode_person(const ObjectReader& r, Person& p) {
  p = Person{};
  p.hetu = r.string("hetu", true);
  p.first_names = r.string("first_names");
  p.last_name = r.string("last_name");
  p.former_last_names = r.strings("former_last_names");
  p.sex = r.enumeration<registry::Sex>("sex", std::nullopt);
  p.birth_date = r.date("birth_date");
  p.death_date = r.optional_date("death_date");
  p.mother_tongue = r.string("mother_tongue");
  p.nationalities = r.strings("nationalities");
  p.home_municipality = r.string("home_municipality");
  p.home_municipality_start = r.optional_date("home_municipality_start");
  r.objects(
      "addresses",
      {"kind", "street", "apartment", "postal_code", "post_office", "country", "start", "end"},
      [&](const ObjectReader& a) {
        Address address;
        address.kind = a.enumeration<registry::AddressKind>("kind", std::nullopt);
        address.street = a.string("street");
        address.apartment = a.string("apartment");
        address.postal_code = a.string("postal_code");
        address.post_office = a.string("post_office");
        address.country = a.string("country");
        address.start = a.date("start");
        address.end = a.optional_date("end");
        p.addresses.push_back(std::move(address));
      });
  p.residence_building = r.string("residence_building");
  p.residence_apartment = r.string("residence_apartment");
  p.marital_status =
      r.enumeration<registry::MaritalStatus>("marital_status", registry::MaritalStatus::unknown);
  r.objects("family", {"relation", "hetu"}, [&](const ObjectReader& f) {
    FamilyLink link;
    link.relation = f.enumeration<registry::Relation>("relation", std::nullopt);
    link.hetu = f.string("hetu", true);
    p.family.push_back(std::move(link));
  });
  p.bans = parse_bans(r.strings("bans"), r.field("bans"));
}

void decode_building(const ObjectReader& r, Building& b) {
  b = Building{};
  b.prt = r.string("prt", true);
  b.municipality = r.string("municipality");
  r.objects("addresses", {"street", "postal_code", "post_office", "language"},
            [&](const ObjectReader& a) {
              BuildingAddress address;
              address.street = a.string("street");
              address.postal_code = a.string("postal_code");
              address.post_office = a.string("post_office");
              if (!a.absent("language")) address.language = a.string("language");
              b.addresses.push_back(std::move(address));
            });
  b.north = r.integer("north", 0, kMaxInt);
  b.east = r.integer("east", 0, kMaxInt);
  b.use_class = r.string("use_class");
  b.completion_year = r.integer("completion_year", 0, 9999);
  b.floors = r.integer("floors", 0, 1000);
  b.floor_area_m2 = r.integer("floor_area_m2", 0, kMaxInt);
  b.apartments = r.integer("apartments", 0, kMaxInt);
  b.heating = r.enumeration<registry::Heating>("heating", registry::Heating::unknown);
  b.equipment = parse_equipment(r.strings("equipment"), r.field("equipment"));
  if (auto year = r.optional_integer("demolished_year", 0, 9999)) {
    b.demolished_year = static_cast<int>(*year);
  }
}

void decode_change(const ObjectReader& r, ChangeEvent& e) {
  e = ChangeEvent{};
  e.seq = r.optional_integer("seq", 0, std::numeric_limits<std::int64_t>::max()).value_or(0);
  e.record_date = r.date("record_date");
  e.effective_date = r.date("effective_date");
  e.subject = r.enumeration<registry::SubjectKind>("subject", std::nullopt);
  e.subject_id = r.string("subject_id", true);
  e.kind = r.enumeration<registry::ChangeKind>("kind", std::nullopt);
  e.group = r.enumeration<registry::DataGroup>("group", std::nullopt);
  if (r.absent("values")) return;
  Object::Ptr values = r.object().getObject("values");
  if (values.isNull()) throw FormatError(0, r.field("values"), "expected an object");
  // The parser keeps the text's order (ParseHandler(true)), so the fields come back as written.
  for (const std::string& name : values->getNames()) {
    const std::string field = r.field("values." + checked_text(name, r.field("values")));
    const Var v = values->get(name);
    if (!v.isString()) throw FormatError(0, field, "expected a string");
    e.values.push_back(
        {name, checked_text(v.extract<std::string>(), field, allowed_controls(name))});
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Writing

void write_json(JsonWriter& w, const Person& p) {
  w.begin_object();
  w.field("hetu", p.hetu);
  w.field("first_names", p.first_names);
  w.field("last_name", p.last_name);
  w.field_strings("former_last_names", p.former_last_names);
  w.field("sex", registry::to_string(p.sex));
  w.field("birth_date", p.birth_date.iso());
  w.field_optional("death_date", iso(p.death_date));
  w.field("mother_tongue", p.mother_tongue);
  w.field_strings("nationalities", p.nationalities);
  w.field("home_municipality", p.home_municipality);
  w.field_optional("home_municipality_start", iso(p.home_municipality_start));
  w.key("addresses");
  w.begin_array();
  for (const Address& a : p.addresses)
    write_address(w, a);
  w.end_array();
  w.field("residence_building", p.residence_building);
  w.field("residence_apartment", p.residence_apartment);
  w.field("marital_status", registry::to_string(p.marital_status));
  w.key("family");
  w.begin_array();
  for (const FamilyLink& link : p.family) {
    w.begin_object();
    w.field("relation", registry::to_string(link.relation));
    w.field("hetu", link.hetu);
    w.end_object();
  }
  w.end_array();
  w.field_strings("bans", registry::ban_names(p.bans));
  w.end_object();
}

void write_json(JsonWriter& w, const Building& b) {
  w.begin_object();
  w.field("prt", b.prt);
  w.field("municipality", b.municipality);
  w.key("addresses");
  w.begin_array();
  for (const BuildingAddress& a : b.addresses) {
    w.begin_object();
    w.field("street", a.street);
    w.field("postal_code", a.postal_code);
    w.field("post_office", a.post_office);
    w.field("language", a.language);
    w.end_object();
  }
  w.end_array();
  w.field_number("north", b.north);
  w.field_number("east", b.east);
  w.field("use_class", b.use_class);
  w.field_number("completion_year", b.completion_year);
  w.field_number("floors", b.floors);
  w.field_number("floor_area_m2", b.floor_area_m2);
  w.field_number("apartments", b.apartments);
  w.field("heating", registry::to_string(b.heating));
  w.field_strings("equipment", registry::equipment_names(b.equipment));
  w.field_optional_number("demolished_year", b.demolished_year
                                                 ? std::optional<std::int64_t>(*b.demolished_year)
                                                 : std::nullopt);
  w.end_object();
}

void write_json(JsonWriter& w, const ChangeEvent& e) {
  w.begin_object();
  w.field_number("seq", e.seq);
  w.field("record_date", e.record_date.iso());
  w.field("effective_date", e.effective_date.iso());
  w.field("subject", registry::to_string(e.subject));
  w.field("subject_id", e.subject_id);
  w.field("kind", registry::to_string(e.kind));
  w.field("group", registry::to_string(e.group));
  w.key("values");
  write_json_fields(w, e.values);
  w.end_object();
}

// ---------------------------------------------------------------------------------------------
// JsonRecordDecoder

namespace {

// Poco's handler keeps the last of two equal keys in an object. A record that says "hetu"
// twice is ambiguous, not something to resolve silently: refuse it.
class StrictParseHandler : public Poco::JSON::ParseHandler {
 public:
  // true keeps object members in the text's order (change values need it).
  StrictParseHandler() : Poco::JSON::ParseHandler(true) {}

  void reset() override {
    keys_.clear();
    Poco::JSON::ParseHandler::reset();
  }
  void startObject() override {
    keys_.emplace_back();
    Poco::JSON::ParseHandler::startObject();
  }
  void endObject() override {
    keys_.pop_back();
    Poco::JSON::ParseHandler::endObject();
  }
  void key(const std::string& k) override {
    if (!keys_.empty() && !keys_.back().insert(k).second) {
      throw Poco::JSON::JSONException("duplicate key '" + k + "'");
    }
    Poco::JSON::ParseHandler::key(k);
  }

 private:
  std::vector<std::set<std::string>> keys_;  // the keys seen in each open object
};

}  // namespace

struct JsonRecordDecoder::Parser {
  Poco::JSON::Parser parser{new StrictParseHandler()};

  Object::Ptr parse(std::string_view text) {
    parser.reset();
    Var root;
    try {
      root = parser.parse(std::string(text));
    } catch (const Poco::Exception& e) {
      throw FormatError(0, "", "not valid JSON: " + e.message());
    }
    if (root.type() != typeid(Object::Ptr)) throw FormatError(0, "", "not a JSON object");
    return root.extract<Object::Ptr>();
  }
};

JsonRecordDecoder::JsonRecordDecoder() : parser_(std::make_unique<Parser>()) {}
JsonRecordDecoder::~JsonRecordDecoder() = default;

void JsonRecordDecoder::decode(std::string_view text, Person& out) {
  Object::Ptr object = parser_->parse(text);
  decode_person(
      ObjectReader(*object, "",
                   {"hetu", "first_names", "last_name", "former_last_names", "sex", "birth_date",
                    "death_date", "mother_tongue", "nationalities", "home_municipality",
                    "home_municipality_start", "addresses", "residence_building",
                    "residence_apartment", "marital_status", "family", "bans"}),
      out);
}

void JsonRecordDecoder::decode(std::string_view text, Building& out) {
  Object::Ptr object = parser_->parse(text);
  decode_building(ObjectReader(*object, "",
                               {"prt", "municipality", "addresses", "north", "east", "use_class",
                                "completion_year", "floors", "floor_area_m2", "apartments",
                                "heating", "equipment", "demolished_year"}),
                  out);
}

void JsonRecordDecoder::decode(std::string_view text, ChangeEvent& out) {
  Object::Ptr object = parser_->parse(text);
  decode_change(ObjectReader(*object, "",
                             {"seq", "record_date", "effective_date", "subject", "subject_id",
                              "kind", "group", "values"}),
                out);
}

}  // namespace popgate::formats
