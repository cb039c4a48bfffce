// The update service end to end, with the shipped config/workflows/update.yaml and real
// parts only: a synthesized register, `popgate serve`, the OpenSSH sftp client, stock
// `openssl cms` to decrypt and verify the result, bsdtar to open the archive, and the audit
// log checked with `popgate audit`.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_process.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using testing_support::capture;
using testing_support::Daemon;
using testing_support::run;
using testing_support::slurp;
using testing_support::write;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Who `popgate run` says ran a job: as it decides (the sudo user, else the effective user).
std::string operator_name() {
  if (const char* sudo_user = std::getenv("SUDO_USER"); sudo_user != nullptr && *sudo_user)
    return sudo_user;
  const passwd* user = ::getpwuid(::geteuid());
  return user != nullptr ? user->pw_name : "";
}

int run_status(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class UpdateServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-update-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "data");
    ASSERT_EQ(run("ssh-keygen -q -t ed25519 -N '' -f " + path("client_key")), 0);
    ASSERT_EQ(run("openssl req -x509 -new -nodes -subj /CN=acme -newkey rsa:3072 -keyout " +
                  path("client.key") + " -out " + path("client.crt") + " -days 30 2>/dev/null"),
              0);
    ASSERT_EQ(run(std::string(POPGATE_BINARY) + " synth --persons 3000 --seed 7 --quiet --out " +
                  (root_ / "data" / "register.db").string() + " > /dev/null"),
              0);
    write(root_ / "config" / "popgate.yaml",
          "listen:\n  sftp:\n    address: 127.0.0.1\n    port: 0\n"
          "  http:\n    address: 127.0.0.1\n    port: 0\n");
    fs::create_directories(root_ / "config" / "workflows");
    fs::copy_file(fs::path(POPGATE_SOURCE_DIR) / "config" / "workflows" / "update.yaml",
                  root_ / "config" / "workflows" / "update.yaml");
    write(root_ / "config" / "permits" / "acme.yaml",
          "id: DVV/77/2026\nholders: [acme]\npurpose: customer register upkeep\n"
          "legal_basis: law\nuse: customer_register_update\nservices: [update]\n"
          "data_groups: [identity, names, permanent_address]\nvalid_from: 2020-01-01\n");
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string path(const std::string& name) const { return (root_ / name).string(); }
  fs::path outbox() const { return root_ / "data" / "exchange" / "acme" / "outbox"; }

  void write_client(bool with_certificate) {
    write(root_ / "config" / "clients" / "acme.yaml",
          "organisation: Acme Oy\nbusiness_id: 0737546-2\nssh_keys:\n  - " +
              slurp(path("client_key") + ".pub") +
              (with_certificate ? "certificate: " + path("client.crt") + "\n" : std::string()));
  }

  int sftp(int port, const std::string& batch) {
    write(root_ / "batch", batch);
    return run("cd " + root_.string() + " && timeout 120 sftp -F /dev/null -b batch -i " +
               path("client_key") + " -P " + std::to_string(port) +
               " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
               " -o IdentitiesOnly=yes -o LogLevel=ERROR acme@127.0.0.1 > sftp.out 2>&1");
  }

  // Uploads customers.csv as the client, waits for the job and decrypts and verifies the
  // result archive into result.zip, as the client would; `archive` gets the archive's name.
  void upload_and_decrypt(Daemon& daemon, std::string* archive = nullptr) {
    ASSERT_EQ(sftp(daemon.sftp_port(), "put customers.csv inbox/customers.csv\n"), 0)
        << slurp(root_ / "sftp.out");
    ASSERT_TRUE(daemon.wait_for("] job succeeded", 1, std::chrono::seconds(120))) << daemon.log();
    std::string result_name;
    for (const auto& entry : fs::directory_iterator(outbox())) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with("-update.zip.p7m")) result_name = name;
    }
    ASSERT_FALSE(result_name.empty());
    ASSERT_EQ(run("cd " + root_.string() + " && openssl cms -decrypt -inform DER -in data/" +
                  "exchange/acme/outbox/" + result_name +
                  " -inkey client.key -recip client.crt | openssl cms -verify -inform DER "
                  "-CAfile data/keys/exchange.crt -out result.zip 2>verify.err"),
              0)
        << slurp(root_ / "verify.err");
    if (archive != nullptr) *archive = result_name;
  }

  // Three persons of the register: HETU, surname, given names, birth date (ISO).
  std::vector<std::vector<std::string>> sample_persons() {
    std::vector<std::vector<std::string>> persons;
    for (const std::string& line :
         lines(capture("sqlite3 -separator '|' " + (root_ / "data" / "register.db").string() +
                       " \"SELECT hetu, last_name, first_names, birth_date FROM person "
                       "WHERE death_date IS NULL AND bans = 0 ORDER BY id LIMIT 3\""))) {
      std::vector<std::string> fields;
      std::stringstream in(line);
      std::string field;
      while (std::getline(in, field, '|'))
        fields.push_back(field);
      persons.push_back(fields);
    }
    return persons;
  }

  fs::path root_;
};

TEST_F(UpdateServiceTest, AClientsRegisterComesBackMatchedSignedAndEncrypted) {
  write_client(true);
  const auto persons = sample_persons();
  ASSERT_EQ(persons.size(), 3u);
  // Row 1 by HETU, row 2 by names and birth date (Finnish date format, given names in another
  // order is fine but here: the first given name only), row 3 a bad HETU, row 4 nobody.
  const std::string first_given = persons[1][2].substr(0, persons[1][2].find(' '));
  const std::string birth = persons[1][3];  // YYYY-MM-DD
  const std::string finnish_date =
      birth.substr(8, 2) + "." + birth.substr(5, 2) + "." + birth.substr(0, 4);
  write(root_ / "customers.csv",
        "asiakasnumero;henkilotunnus;sukunimi;etunimet;syntymaaika\r\n"
        "A1;" +
            persons[0][0] +
            ";;;\r\n"
            "A2;;" +
            persons[1][1] + ";" + first_given + ";" + finnish_date +
            "\r\n"
            "A3;010190-123A;X;Y;\r\n"
            "A4;;Olematon;Nemo;01.01.1901\r\n");

  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  ASSERT_EQ(sftp(daemon.sftp_port(), "put customers.csv inbox/customers.csv\n"), 0)
      << slurp(root_ / "sftp.out");
  ASSERT_TRUE(daemon.wait_for("] job succeeded", 1, std::chrono::seconds(120))) << daemon.log();

  // Outside journald every line starts with its RFC 3339 UTC time and level (a match summary's
  // lines too), and a job's events come in the order they happened: submitted, then allowed.
  const std::string log = daemon.log();
  const std::regex stamped(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) [^ ].*)");
  std::istringstream log_lines(log);
  for (std::string line; std::getline(log_lines, line);)
    EXPECT_TRUE(std::regex_match(line, stamped)) << line;
  const std::size_t submitted = log.find("] submitted: ");
  const std::size_t allowed = log.find("] allowed: ");
  ASSERT_NE(submitted, std::string::npos) << log;
  ASSERT_NE(allowed, std::string::npos) << log;
  EXPECT_LT(submitted, allowed) << log;

  std::string result_name, status_name;
  for (const auto& entry : fs::directory_iterator(outbox())) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with("-update.zip.p7m")) result_name = name;
    if (name.ends_with("-status.json")) status_name = name;
  }
  ASSERT_FALSE(result_name.empty());
  ASSERT_FALSE(status_name.empty());
  ASSERT_EQ(sftp(daemon.sftp_port(), "get outbox/" + result_name + " result.p7m\nget outbox/" +
                                         status_name + " status.json\n"),
            0)
      << slurp(root_ / "sftp.out");
  const std::string status = slurp(root_ / "status.json");
  EXPECT_NE(status.find("\"state\": \"delivered\""), std::string::npos) << status;
  EXPECT_NE(status.find("\"rows\": 4"), std::string::npos) << status;
  EXPECT_EQ(status.find(persons[0][0]), std::string::npos) << "no personal data in the status";

  // Exactly the client guide's commands.
  ASSERT_EQ(
      run("cd " + root_.string() +
          " && openssl cms -decrypt -inform DER -in result.p7m -inkey client.key"
          " -recip client.crt | openssl cms -verify -inform DER -CAfile data/keys/exchange.crt"
          " -out result.zip 2>verify.err"),
      0)
      << slurp(root_ / "verify.err");
  const std::string listing = capture("bsdtar -tf " + path("result.zip"));
  EXPECT_EQ(lines(listing),
            (std::vector<std::string>{"manifest.json", "result.csv", "summary.txt"}));
  const std::string manifest = capture("bsdtar -xOf " + path("result.zip") + " manifest.json");
  EXPECT_NE(manifest.find("\"permit\": \"DVV/77/2026\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"service\": \"update\""), std::string::npos) << manifest;
  const std::string result = capture("bsdtar -xOf " + path("result.zip") + " result.csv");
  EXPECT_NE(result.find("A1;MATCHED_HETU;1.000;HETU;" + persons[0][0]), std::string::npos)
      << result;
  EXPECT_NE(result.find("A2;MATCHED_NAME_BIRTHDATE;"), std::string::npos) << result;
  EXPECT_NE(result.find(persons[1][0]), std::string::npos) << result;
  EXPECT_NE(result.find("A3;INVALID_ROW;"), std::string::npos) << result;
  EXPECT_NE(result.find("A4;NOT_FOUND;"), std::string::npos) << result;
  const std::string summary = capture("bsdtar -xOf " + path("result.zip") + " summary.txt");
  EXPECT_NE(summary.find("rows: 4"), std::string::npos) << summary;

  // A tampered result is refused by stock openssl.
  ASSERT_EQ(run("cd " + root_.string() +
                " && cp result.p7m bad.p7m && printf 'X' | dd of=bad.p7m bs=1 seek=2000"
                " conv=notrunc 2>/dev/null"),
            0);
  EXPECT_NE(run("cd " + root_.string() +
                " && openssl cms -decrypt -inform DER -in bad.p7m -inkey client.key"
                " -out /dev/null 2>/dev/null"),
            0);

  // The disclosure is on record, for the persons whose data left, and the chain verifies.
  const std::string who = capture(std::string(POPGATE_BINARY) + " audit person " + persons[0][0] +
                                  " --data-dir " + path("data"));
  EXPECT_NE(who.find("DVV/77/2026"), std::string::npos) << who;
  EXPECT_NE(who.find(result_name), std::string::npos) << who;
  const std::string verified =
      capture(std::string(POPGATE_BINARY) + " audit verify --data-dir " + path("data"));
  const std::size_t head = verified.find("head ");
  ASSERT_NE(head, std::string::npos) << verified;
  std::string kept = verified.substr(head + 5);  // "N HASH\n", as an auditor keeps it
  kept = kept.substr(0, kept.find('\n'));
  kept[kept.find(' ')] = ':';
  EXPECT_EQ(run(std::string(POPGATE_BINARY) + " audit verify --head " + kept + " --data-dir " +
                path("data") + " > /dev/null"),
            0);

  // The person index edited to hide this person: the answer comes with a warning and exit 1.
  ASSERT_EQ(run("sqlite3 -cmd '.timeout 10000' " + path("data/audit/audit.db") +
                " \"DELETE FROM record_persons WHERE hetu = '" + persons[0][0] + "'\""),
            0);
  EXPECT_EQ(run(std::string(POPGATE_BINARY) + " audit person " + persons[0][0] + " --data-dir " +
                path("data") + " > /dev/null 2> " + path("audit.err")),
            1);
  EXPECT_NE(slurp(root_ / "audit.err").find("WARNING: the audit log fails verification"),
            std::string::npos)
      << slurp(root_ / "audit.err");
}

// The admin listener as a monitoring system sees it: ready once the register and the stores
// are readable, and a job's work shows in /metrics (jobs, steps, SFTP, deliveries, audit).
TEST_F(UpdateServiceTest, HealthReadinessAndMetricsFollowAJob) {
  write_client(true);
  write(root_ / "customers.csv",
        "asiakasnumero;henkilotunnus\r\nA1;" + sample_persons()[0][0] + "\r\n");
  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  const std::string admin = "http://127.0.0.1:" + std::to_string(daemon.admin_port());
  const auto get = [&](const std::string& path) {
    return capture("curl -s -w '\\n%{http_code} %{content_type}' " + admin + path);
  };
  EXPECT_EQ(get("/healthz"), "{\"status\":\"ok\"}\n\n200 application/json");
  const std::string ready = get("/readyz");
  EXPECT_TRUE(ready.starts_with("{\"ready\":true,")) << ready;
  EXPECT_TRUE(ready.ends_with("200 application/json")) << ready;
  for (const char* check : {"\"state\"", "\"register\"", "\"audit\"", "\"sftp\""})
    EXPECT_NE(ready.find(check), std::string::npos) << ready;
  const std::string before = get("/metrics");
  EXPECT_TRUE(before.ends_with("200 text/plain; version=0.0.4; charset=utf-8")) << before;
  EXPECT_NE(before.find("popgate_audit_records_total 0\n"), std::string::npos) << before;
  EXPECT_NE(before.find("popgate_sftp_logins_total{result=\"ok\"} 0\n"), std::string::npos);

  ASSERT_EQ(sftp(daemon.sftp_port(), "put customers.csv inbox/customers.csv\n"), 0)
      << slurp(root_ / "sftp.out");
  ASSERT_TRUE(daemon.wait_for("] job succeeded", 1, std::chrono::seconds(120))) << daemon.log();
  ASSERT_TRUE(daemon.wait_for("disconnect: user \"acme\"", 1)) << daemon.log();
  const std::string after = get("/metrics");
  const auto value = [&after](const std::string& series) {
    const std::size_t at = after.find("\n" + series + " ");
    return at == std::string::npos ? -1.0 : std::atof(after.c_str() + at + series.size() + 2);
  };
  EXPECT_EQ(value("popgate_jobs{state=\"succeeded\",workflow=\"update\"}"), 1) << after;
  EXPECT_EQ(value("popgate_jobs_finished_total{state=\"succeeded\",workflow=\"update\"}"), 1);
  EXPECT_EQ(value("popgate_jobs_queued"), 0);
  EXPECT_EQ(value("popgate_step_duration_seconds_count{outcome=\"succeeded\",step_type=\"deliver\","
                  "workflow=\"update\"}"),
            1)
      << after;
  EXPECT_EQ(value("popgate_sftp_logins_total{result=\"ok\"}"), 1);
  EXPECT_GE(value("popgate_sftp_bytes_total{direction=\"up\"}"),
            static_cast<double>(fs::file_size(root_ / "customers.csv")));
  EXPECT_EQ(value("popgate_deliveries_total{service=\"update\"}"), 1) << after;
  EXPECT_EQ(value("popgate_audit_records_total"), 1);
  EXPECT_EQ(value("popgate_audit_chain_length"), 1);
  EXPECT_GE(value("popgate_register_age_seconds"), 0) << after;

  // Errors are JSON that says what was wrong.
  EXPECT_EQ(get("/nothing"), "{\"error\":\"no such path: /nothing\"}\n\n404 application/json");
  EXPECT_EQ(capture("curl -s -X POST -w ' %{http_code}' " + admin + "/metrics"),
            "{\"error\":\"POST is not allowed on /metrics (allowed: GET)\"}\n 405");
}

// The child selection the shipped update.yaml shows in its comments, switched on as an
// operator would: uncommented, with `family` in the permit steps' groups and children.csv in the
// archive. A fund's member comes back with a child living at home, and the audit record names
// the child too.
TEST_F(UpdateServiceTest, AFundGetsItsMembersChildrenWhenTheWorkflowSelectsThem) {
  const fs::path workflow = root_ / "config" / "workflows" / "update.yaml";
  std::string yaml = slurp(workflow);
  const auto replace = [&yaml](const std::string& from, const std::string& to) {
    const std::size_t at = yaml.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    yaml.replace(at, from.size(), to);
  };
  replace("      # children: true\n      # children_under: 18\n",
          "      children: true\n      children_under: 18\n");
  for (int i = 0; i < 2; ++i) {
    replace(
        "      groups: [identity, names, permanent_address]\n"
        "      # with the child selection: [identity, names, permanent_address, family]\n",
        "      groups: [identity, names, permanent_address, family]\n");
  }
  replace("      files: [\"${steps.table.path}\", \"${steps.match.summary}\"]\n", "");
  replace("      # files: [", "      files: [");
  write(workflow, yaml);
  write(root_ / "config" / "permits" / "acme.yaml",
        "id: DVV/17/2026\nholders: [acme]\npurpose: the fund's register and child selection\n"
        "legal_basis: law\nuse: public_task\nservices: [update]\n"
        "data_groups: [identity, names, permanent_address, family]\nvalid_from: 2020-01-01\n");
  write_client(true);
  // A parent with a child of under 17 at home, neither protected nor banned.
  const std::vector<std::string> family = lines(capture(
      "sqlite3 -separator ' ' " + (root_ / "data" / "register.db").string() +
      " \"SELECT p.hetu, c.hetu FROM person p JOIN person_family f ON f.person_id = p.id AND "
      "f.relation = 3 JOIN person c ON c.hetu = f.other_hetu WHERE p.death_date IS NULL AND "
      "p.bans = 0 AND c.death_date IS NULL AND c.bans = 0 AND "
      "c.birth_date > date('now', '-17 years') AND p.residence_building != '' AND "
      "c.residence_building = p.residence_building AND "
      "c.residence_apartment = p.residence_apartment ORDER BY p.id LIMIT 1\""));
  ASSERT_EQ(family.size(), 1u);
  const std::string parent = family[0].substr(0, family[0].find(' '));
  const std::string child = family[0].substr(family[0].find(' ') + 1);
  write(root_ / "customers.csv", "asiakasnumero;henkilotunnus\r\nJ1;" + parent + "\r\n");

  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  std::string result_name;
  ASSERT_NO_FATAL_FAILURE(upload_and_decrypt(daemon, &result_name));
  EXPECT_EQ(
      lines(capture("bsdtar -tf " + path("result.zip"))),
      (std::vector<std::string>{"manifest.json", "result.csv", "children.csv", "summary.txt"}));
  const std::string children = capture("bsdtar -xOf " + path("result.zip") + " children.csv");
  EXPECT_TRUE(children.starts_with("member_client_ref;member_hetu;child_hetu;same_household;"))
      << children;
  EXPECT_NE(children.find("\r\nJ1;" + parent + ";" + child + ";yes;" + child + ";"),
            std::string::npos)
      << children;
  const std::string summary = capture("bsdtar -xOf " + path("result.zip") + " summary.txt");
  EXPECT_NE(summary.find("(of 1 matched persons)"), std::string::npos) << summary;
  // The delivery's audit record names the child as a person disclosed.
  const std::string who = capture(std::string(POPGATE_BINARY) + " audit person " + child +
                                  " --data-dir " + path("data"));
  EXPECT_NE(who.find("DVV/17/2026"), std::string::npos) << who;
  EXPECT_NE(who.find(result_name), std::string::npos) << who;
}

// The legacy format the shipped update.yaml shows in its comments (Windows-1252, ';', CRLF,
// the client's own column names), switched on as an operator would: by uncommenting it.
TEST_F(UpdateServiceTest, ALegacyClientGetsTheResultInItsOwnFormat) {
  const fs::path workflow = root_ / "config" / "workflows" / "update.yaml";
  std::string yaml = slurp(workflow);
  const std::size_t from = yaml.find("  #   encoding: windows-1252");
  const std::size_t to = yaml.find('\n', yaml.find("note=Huomautus]", from));
  const std::size_t table = yaml.find("      to: table/result.csv\n");
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  ASSERT_NE(table, std::string::npos);
  std::string example;
  std::istringstream commented(yaml.substr(from, to + 1 - from));
  for (std::string line; std::getline(commented, line);)
    example += "   " + line.substr(3) + "\n";  // "  #   encoding" -> "      encoding"
  yaml.insert(table + std::string("      to: table/result.csv\n").size(), example);
  write(workflow, yaml);

  write_client(true);
  const auto persons = sample_persons();
  ASSERT_FALSE(persons.empty());
  write(root_ / "customers.csv",
        "asiakasnumero;henkilotunnus\r\nA1;" + persons[0][0] + "\r\nA2;010190-123A\r\n");
  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  ASSERT_NO_FATAL_FAILURE(upload_and_decrypt(daemon));
  const std::string result = capture("bsdtar -xOf " + path("result.zip") + " result.csv");
  EXPECT_EQ(result.substr(0, result.find("\r\n") + 2),
            "Asiakasnro;Tulos;Syy;Henkil\xF6tunnus;Sukunimi;Etunimet;L\xE4hiosoite;Postinumero;"
            "Postitoimipaikka;Huomautus\r\n")
      << "Windows-1252: \"ö\" and \"ä\" are one byte each";
  EXPECT_NE(result.find("\r\nA1;MATCHED_HETU;HETU;" + persons[0][0] + ";"), std::string::npos)
      << result;
  EXPECT_NE(result.find("\r\nA2;INVALID_ROW;"), std::string::npos) << result;
  // Read back as Windows-1252, the person's name is the register's.
  write(root_ / "result.csv", result);
  EXPECT_NE(capture("iconv -f WINDOWS-1252 -t UTF-8 " + path("result.csv")).find(persons[0][1]),
            std::string::npos);
  const std::string manifest = capture("bsdtar -xOf " + path("result.zip") + " manifest.json");
  EXPECT_NE(manifest.find("\"rows\": 2"), std::string::npos) << manifest;
}

TEST_F(UpdateServiceTest, AClientWithoutACertificateGetsAnErrorReportAndNoData) {
  write_client(false);
  const auto persons = sample_persons();
  ASSERT_FALSE(persons.empty());
  write(root_ / "customers.csv", "hetu\n" + persons[0][0] + "\n");
  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  ASSERT_EQ(sftp(daemon.sftp_port(), "put customers.csv inbox/customers.csv\n"), 0)
      << slurp(root_ / "sftp.out");
  ASSERT_TRUE(daemon.wait_for("] job failed", 1, std::chrono::seconds(120))) << daemon.log();
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(outbox()))
    names.push_back(entry.path().filename().string());
  ASSERT_EQ(names.size(), 1u) << "only the error report";
  const std::string report = slurp(outbox() / names[0]);
  EXPECT_NE(report.find("\"state\": \"failed\""), std::string::npos) << report;
  EXPECT_NE(report.find("certificate"), std::string::npos) << report;
  EXPECT_EQ(report.find(persons[0][0]), std::string::npos) << report;
  EXPECT_EQ(capture(std::string(POPGATE_BINARY) + " audit person " + persons[0][0] +
                    " --data-dir " + path("data") + " 2>/dev/null")
                .find("DVV/77/2026"),
            std::string::npos)
      << "nothing disclosed, nothing recorded";
}

TEST_F(UpdateServiceTest, AFileThatIsNotATableIsReportedToTheClient) {
  write_client(true);
  write(root_ / "customers.csv", "this is not a register file at all\n");
  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  ASSERT_EQ(sftp(daemon.sftp_port(), "put customers.csv inbox/customers.csv\n"), 0)
      << slurp(root_ / "sftp.out");
  ASSERT_TRUE(daemon.wait_for("] job failed", 1, std::chrono::seconds(120))) << daemon.log();
  std::string report;
  for (const auto& entry : fs::directory_iterator(outbox()))
    report = slurp(entry.path());
  EXPECT_NE(report.find("could not be read as a table"), std::string::npos) << report;
}

// A delivered job set back to queued in state.db (as a bug or a bad manual edit would) runs
// again: its new files are not delivered, and the client's status file still describes the
// files it can download, not "failed".
TEST_F(UpdateServiceTest, ADeliveredJobSetBackToQueuedNeverReplacesItsDelivery) {
  write_client(true);
  const auto persons = sample_persons();
  write(root_ / "customers.csv", "asiakasnumero;henkilotunnus\r\nA1;" + persons[0][0] + "\r\n");
  std::map<std::string, std::string> delivered;  // outbox name -> content
  {
    Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
    ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
    ASSERT_EQ(sftp(daemon.sftp_port(), "put customers.csv inbox/customers.csv\n"), 0)
        << slurp(root_ / "sftp.out");
    ASSERT_TRUE(daemon.wait_for("] job succeeded", 1, std::chrono::seconds(120))) << daemon.log();
  }
  for (const auto& entry : fs::directory_iterator(outbox()))
    delivered[entry.path().filename().string()] = slurp(entry.path());
  ASSERT_EQ(run("sqlite3 -cmd '.timeout 10000' " + path("data/state.db") +
                " \"UPDATE jobs SET state = 'queued', phase = 0, step_index = 0\""),
            0);

  // Whether the re-run still finds its work dir (its plan: it ends as delivered already) or
  // not (new files: refused, the job fails), the delivery stays as it was.
  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve2.log");
  ASSERT_TRUE(daemon.wait_for("was delivered already", 1, std::chrono::seconds(120)))
      << daemon.log();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (daemon.count("] job succeeded") + daemon.count("] job failed") == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(daemon.count("] job succeeded") + daemon.count("] job failed"), 1) << daemon.log();
  std::map<std::string, std::string> after;
  for (const auto& entry : fs::directory_iterator(outbox()))
    after[entry.path().filename().string()] = slurp(entry.path());
  EXPECT_EQ(after, delivered) << "the outbox is as it was delivered";
  bool status_delivered = false;
  for (const auto& [name, content] : after)
    if (name.ends_with("-status.json"))
      status_delivered = content.find("\"state\": \"delivered\"") != std::string::npos;
  EXPECT_TRUE(status_delivered);
  EXPECT_EQ(run(std::string(POPGATE_BINARY) + " audit verify --data-dir " + path("data") +
                " | grep -q 'ok: 1 records'"),
            0)
      << "the refused run recorded no disclosure";
}

// A quote that is never closed once came back as a one-row result: the job fails, and the
// client is told the line and column where the quote opened.
TEST_F(UpdateServiceTest, AQuoteThatIsNeverClosedFailsTheJobNamingWhereItOpened) {
  write_client(true);
  std::string table = "hetu;sukunimi;asiakasnumero\n010190-999W;\"Aho;A-1\n";
  for (int i = 2; i <= 999; ++i)
    table += "010190-999W;Aho;A-" + std::to_string(i) + "\n";
  write(root_ / "customers.csv", table);
  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  ASSERT_EQ(sftp(daemon.sftp_port(), "put customers.csv inbox/customers.csv\n"), 0)
      << slurp(root_ / "sftp.out");
  ASSERT_TRUE(daemon.wait_for("] job failed", 1, std::chrono::seconds(120))) << daemon.log();
  std::string reports;
  for (const auto& entry : fs::directory_iterator(outbox()))
    reports += entry.path().filename().string() + ": " + slurp(entry.path()) + "\n";
  EXPECT_NE(reports.find("line 2: the quote that opens field 2 at column 13 is never closed"),
            std::string::npos)
      << reports;
  EXPECT_EQ(reports.find(".p7m"), std::string::npos) << "no result is delivered: " << reports;
}

// The data dir on a small file system (a tmpfs: root only, as CI runs; elsewhere the test skips
// and says so), filled while the job runs: the job waits, the client's status file says
// delayed, and once space returns the job finishes by itself, delivered once, with no restart.
TEST_F(UpdateServiceTest, AJobThatFindsTheDiskFullWaitsAndIsDeliveredOnceSpaceReturns) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs (CI runs as root)";
  const fs::path data = root_ / "small";
  fs::create_directories(data);
  if (::mount("tmpfs", data.c_str(), "tmpfs", 0, "size=48m") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  struct Unmount {
    fs::path at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{data};
  fs::copy_file(root_ / "data" / "register.db", data / "register.db");
  write(root_ / "config" / "popgate.yaml",
        "listen:\n  sftp:\n    address: 127.0.0.1\n    port: 0\n"
        "  http:\n    address: 127.0.0.1\n    port: 0\n"
        "sftp:\n  min_free_space: 64KiB\n");
  write_client(true);
  // 2,000 rows by HETU: a 30 kB upload whose result is some 400 kB.
  std::string table = "asiakasnumero;henkilotunnus\r\n";
  int row = 0;
  for (const std::string& hetu :
       lines(capture("sqlite3 " + (root_ / "data" / "register.db").string() +
                     " \"SELECT hetu FROM person ORDER BY id LIMIT 2000\"")))
    table += "A" + std::to_string(++row) + ";" + hetu + "\r\n";
  ASSERT_EQ(row, 2000);
  write(root_ / "customers.csv", table);

  Daemon daemon(root_ / "config", data, root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  // Fill the file system, then free 256 KiB: room for the upload, not for the result.
  const fs::path filler = data / "filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string block(64 * 1024, 'x');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size())))
      out.flush();
  }
  fs::resize_file(filler, fs::file_size(filler) - 256 * 1024);
  ASSERT_EQ(sftp(daemon.sftp_port(), "put customers.csv inbox/customers.csv\n"), 0)
      << slurp(root_ / "sftp.out");
  ASSERT_TRUE(daemon.wait_for("waits for disk space", 1, std::chrono::seconds(120)))
      << daemon.log();
  std::string status_name;
  for (const auto& entry : fs::directory_iterator(data / "exchange" / "acme" / "outbox"))
    if (entry.path().filename().string().ends_with("-status.json"))
      status_name = entry.path().filename().string();
  ASSERT_FALSE(status_name.empty()) << daemon.log();
  ASSERT_EQ(sftp(daemon.sftp_port(), "get outbox/" + status_name + " status.json\n"), 0)
      << slurp(root_ / "sftp.out");
  EXPECT_NE(slurp(root_ / "status.json").find("\"state\": \"delayed\""), std::string::npos)
      << slurp(root_ / "status.json");
  EXPECT_EQ(daemon.count("] job succeeded") + daemon.count("] job failed"), 0) << daemon.log();

  fs::remove(filler);
  ASSERT_TRUE(daemon.wait_for("] job succeeded", 1, std::chrono::seconds(180))) << daemon.log();
  std::vector<std::string> outbox_names;
  for (const auto& entry : fs::directory_iterator(data / "exchange" / "acme" / "outbox"))
    outbox_names.push_back(entry.path().filename().string());
  std::sort(outbox_names.begin(), outbox_names.end());
  ASSERT_EQ(outbox_names.size(), 2u) << "one result and its status: " << outbox_names.size();
  EXPECT_TRUE(outbox_names[0].ends_with("-status.json")) << outbox_names[0];
  EXPECT_TRUE(outbox_names[1].ends_with("-update.zip.p7m")) << outbox_names[1];
  const std::string status = slurp(data / "exchange" / "acme" / "outbox" / outbox_names[0]);
  EXPECT_NE(status.find("\"state\": \"delivered\""), std::string::npos) << status;
  EXPECT_EQ(run(std::string(POPGATE_BINARY) + " audit verify --data-dir " + data.string() +
                " | grep -q 'ok: 1 records'"),
            0)
      << "one disclosure on record";
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(), 0) << daemon.log();
}

// An operator tries a client's file with `popgate run` while the daemon runs: the appliance's
// permits decide, the result goes to --out and never to the client's outbox, and the audit
// record names the operator.
TEST_F(UpdateServiceTest, AnOperatorRunsAClientsFileBesideTheRunningDaemon) {
  write_client(true);
  const auto persons = sample_persons();
  write(root_ / "customers.csv", "asiakasnumero;henkilotunnus\r\nA1;" + persons[0][0] + "\r\n");
  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  const std::string command = std::string(POPGATE_BINARY) + " run update --config " +
                              path("config") + " --data-dir " + path("data") +
                              " --client acme --input " + path("customers.csv") + " --out " +
                              path("run-out") + " > " + path("run.out") + " 2>&1";
  // A mistyped data dir is refused, rather than given an audit log and keys of its own.
  const std::string mistyped = std::string(POPGATE_BINARY) + " run update --config " +
                               path("config") + " --data-dir " + path("dta") +
                               " --client acme --input " + path("customers.csv") + " --out " +
                               path("run-out") + " > " + path("mistyped.out") + " 2>&1";
  EXPECT_EQ(run_status(mistyped), 1);
  EXPECT_NE(slurp(root_ / "mistyped.out").find("no register at"), std::string::npos)
      << slurp(root_ / "mistyped.out");
  EXPECT_FALSE(fs::exists(root_ / "dta"));
  ASSERT_EQ(run_status(command), 0) << slurp(root_ / "run.out");
  std::string result_name;
  for (const auto& entry : fs::directory_iterator(root_ / "run-out" / "outbox"))
    if (entry.path().filename().string().ends_with("-update.zip.p7m"))
      result_name = entry.path().filename().string();
  ASSERT_FALSE(result_name.empty()) << slurp(root_ / "run.out");
  EXPECT_FALSE(fs::exists(outbox()) && !fs::is_empty(outbox())) << "nothing in the client's outbox";
  ASSERT_EQ(run("cd " + root_.string() +
                " && openssl cms -decrypt -inform DER -in run-out/outbox/" + result_name +
                " -inkey client.key -recip client.crt | openssl cms -verify -inform DER -CAfile "
                "data/keys/exchange.crt -out run.zip 2>verify.err"),
            0)
      << slurp(root_ / "verify.err");
  EXPECT_NE(capture("bsdtar -xOf " + path("run.zip") + " result.csv").find("A1;MATCHED_HETU"),
            std::string::npos);
  const std::string who = capture(std::string(POPGATE_BINARY) + " audit person " + persons[0][0] +
                                  " --data-dir " + path("data"));
  EXPECT_NE(who.find("run by operator " + operator_name()), std::string::npos) << who;
  EXPECT_EQ(run(std::string(POPGATE_BINARY) + " audit verify --data-dir " + path("data") +
                " | grep -q 'ok: 1 records'"),
            0);
  // The same command again returns the same job: no second disclosure.
  ASSERT_EQ(run_status(command), 0) << slurp(root_ / "run.out");
  EXPECT_NE(slurp(root_ / "run.out").find("already has job"), std::string::npos);
  EXPECT_EQ(run(std::string(POPGATE_BINARY) + " audit verify --data-dir " + path("data") +
                " | grep -q 'ok: 1 records'"),
            0);
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(), 0) << daemon.log();
}

}  // namespace
}  // namespace popgate
