// Job intake: what each kind of event puts in a NewJob, and above all what identifies it, since
// JobStore::submit returns the existing job for the same identity. The hash is a stand-in that
// shows its input, so that each test sees exactly what an identity is made of.
#include "workflows/engine/job_intake.h"

#include <gtest/gtest.h>

#include "adapters/crypto/sha256.h"
#include "base/time_text.h"

namespace popgate::workflows {
namespace {

using Clock = std::chrono::system_clock;

std::string visible_hash(std::string_view text) {
  return "sha(" + std::string(text) + ")";
}

Workflow sample_workflow() {
  Workflow w;
  w.name = "update";
  w.source_text = "name: update\n";
  w.concurrency.max_running = 3;
  w.concurrency.max_running_per_client = 2;
  return w;
}

CompletedUpload sample_upload() {
  CompletedUpload upload;
  upload.client = "acme";
  upload.client_root = "/data/exchange/acme";
  upload.path = "inbox/customers.csv";
  upload.sha256 = "c0ffee";
  upload.inode = 42;
  upload.mtime_seconds = 1'700'000'000;
  upload.mtime_nanoseconds = 5;
  return upload;
}

Clock::time_point at(std::int64_t seconds) {
  return Clock::time_point(std::chrono::seconds(seconds));
}

TEST(JobIntake, AnUploadIsThisContentUnderThisNameAsThisFile) {
  EXPECT_EQ(upload_key(sample_upload(), visible_hash),
            "sha(upload\nacme\ninbox/customers.csv\nc0ffee\n42\n1700000000.5)");
  // The same event seen twice is the same upload; the same content uploaded again is not.
  EXPECT_EQ(upload_key(sample_upload(), crypto::sha256_hex),
            upload_key(sample_upload(), crypto::sha256_hex));
  CompletedUpload again = sample_upload();
  again.inode = 43;
  EXPECT_NE(upload_key(again, crypto::sha256_hex), upload_key(sample_upload(), crypto::sha256_hex));
  again = sample_upload();
  again.mtime_nanoseconds = 6;
  EXPECT_NE(upload_key(again, crypto::sha256_hex), upload_key(sample_upload(), crypto::sha256_hex));
}

TEST(JobIntake, AnUploadsJobReadsTheCopyAndIsIdentifiedByTheUpload) {
  const NewJob job = job_for_upload(sample_workflow(), sample_upload(),
                                    "/data/inputs/abc/customers.csv", visible_hash);
  EXPECT_EQ(job.workflow, "update");
  EXPECT_EQ(job.workflow_text, "name: update\n");
  EXPECT_EQ(job.workflow_hash, "sha(name: update\n)");
  EXPECT_EQ(job.client_id, "acme");
  EXPECT_EQ(job.client_root, "/data/exchange/acme");
  EXPECT_EQ(job.input_path, "/data/inputs/abc/customers.csv");
  EXPECT_EQ(job.intake_key, upload_key(sample_upload(), visible_hash));
  EXPECT_EQ(job.input_sha256, "c0ffee") << "the file's own SHA-256, not the key";
  EXPECT_EQ(job.concurrency.max_running, 3);
  EXPECT_EQ(job.concurrency.max_running_per_client, 2);
}

TEST(JobIntake, AScheduledJobIsIdentifiedByItsSlotAndHasNoInput) {
  const NewJob job = job_for_schedule(sample_workflow(), "acme", "/data/exchange/acme",
                                      at(1'700'000'000), visible_hash);
  EXPECT_EQ(job.workflow, "update");
  EXPECT_EQ(job.workflow_hash, "sha(name: update\n)");
  EXPECT_EQ(job.client_id, "acme");
  EXPECT_EQ(job.client_root, "/data/exchange/acme");
  EXPECT_EQ(job.input_path, "");
  EXPECT_EQ(job.intake_key, "sha(schedule update " + base::iso_utc(at(1'700'000'000)) + ")");
  EXPECT_EQ(job.input_sha256, "");
  EXPECT_EQ(job.concurrency.max_running, 3);
  // Seeing the same slot again (after a restart) gives the same identity; the next slot not.
  const auto slot = [](std::int64_t seconds) {
    return job_for_schedule(sample_workflow(), "acme", "/r", at(seconds), crypto::sha256_hex)
        .intake_key;
  };
  EXPECT_EQ(slot(1'700'000'000), slot(1'700'000'000));
  EXPECT_NE(slot(1'700'000'000), slot(1'700'000'060));
}

TEST(JobIntake, AnOperatorsRunIsIdentifiedByTheFilesContent) {
  const NewJob job =
      job_for_input(sample_workflow(), "acme", "/out", "/tmp/in.csv", "feed", visible_hash);
  EXPECT_EQ(job.workflow_hash, "sha(name: update\n)");
  EXPECT_EQ(job.client_id, "acme");
  EXPECT_EQ(job.client_root, "/out");
  EXPECT_EQ(job.input_path, "/tmp/in.csv");
  EXPECT_EQ(job.intake_key, "feed");
  EXPECT_EQ(job.input_sha256, "feed");
  EXPECT_EQ(job.concurrency.max_running_per_client, 2);
}

}  // namespace
}  // namespace popgate::workflows
