#include "model/grpc/status.h"

#include <gtest/gtest.h>

#include "model/grpc/wire.h"

namespace h2sim::grpc {
namespace {

TEST(ResetTable, MapsAsTheGrpcSpecSays) {
  // doc/PROTOCOL-HTTP2.md "Errors" (docs/behaviours.md §2.4).
  EXPECT_EQ(code_for_reset(h2::ErrorCode::no_error), Code::internal);
  EXPECT_EQ(code_for_reset(h2::ErrorCode::protocol_error), Code::internal);
  EXPECT_EQ(code_for_reset(h2::ErrorCode::refused_stream), Code::unavailable);
  EXPECT_EQ(code_for_reset(h2::ErrorCode::cancel), Code::cancelled);
  EXPECT_EQ(code_for_reset(h2::ErrorCode::enhance_your_calm), Code::resource_exhausted);
  EXPECT_EQ(code_for_reset(h2::ErrorCode::inadequate_security), Code::permission_denied);
}

TEST(HttpStatusTable, MapsAsTheGrpcSpecSays) {
  EXPECT_EQ(code_for_http_status(400), Code::internal);
  EXPECT_EQ(code_for_http_status(401), Code::unauthenticated);
  EXPECT_EQ(code_for_http_status(403), Code::permission_denied);
  EXPECT_EQ(code_for_http_status(404), Code::unimplemented);
  EXPECT_EQ(code_for_http_status(429), Code::unavailable);
  EXPECT_EQ(code_for_http_status(502), Code::unavailable);
  EXPECT_EQ(code_for_http_status(503), Code::unavailable);
  EXPECT_EQ(code_for_http_status(504), Code::unavailable);
  EXPECT_EQ(code_for_http_status(500), Code::unknown);
}

TEST(GrpcMessage, PercentEncodingRoundTrips) {
  std::string message = "50% off\nnaïve";
  std::string encoded = percent_encode(message);
  EXPECT_EQ(encoded.find('\n'), std::string::npos);
  EXPECT_NE(encoded.find("%25"), std::string::npos);
  EXPECT_EQ(percent_decode(encoded), message);
  EXPECT_EQ(percent_decode("bad %zz"), "bad %zz");
}

TEST(Trailers, StatusFromTrailersAndFromHttpStatus) {
  EXPECT_EQ(status_from_trailers({{"grpc-status", "7"}, {"grpc-message", "no%20way"}}, 200),
            (Status{Code::permission_denied, "no way"}));
  EXPECT_EQ(status_from_trailers({{":status", "503"}}, 0).code, Code::unavailable);
  EXPECT_EQ(status_from_trailers({}, 200).code, Code::unknown);
  EXPECT_EQ(status_from_trailers({{"grpc-status", "x"}}, 200).code, Code::unknown);
}

TEST(Wire, MessagesSurviveArbitraryDataSplits) {
  std::vector<uint8_t> bytes;
  for (uint32_t seq = 0; seq < 3; ++seq) {
    auto m = encode_message(seq, 40, true);
    bytes.insert(bytes.end(), m.begin(), m.end());
  }
  for (size_t cut = 1; cut < bytes.size(); cut += 7) {
    MessageReader reader(true);
    reader.feed(std::span(bytes).first(cut));
    reader.feed(std::span(bytes).subspan(cut));
    EXPECT_EQ(reader.take_sequence_numbers(), (std::vector<uint32_t>{0, 1, 2}));
    EXPECT_FALSE(reader.malformed());
  }
  MessageReader bad(true);
  std::vector<uint8_t> compressed = {1, 0, 0, 0, 0};
  bad.feed(compressed);
  EXPECT_TRUE(bad.malformed());
}

}  // namespace
}  // namespace h2sim::grpc

namespace h2sim::grpc {
namespace {

// The payload every host writes and checks: the alphabet from the message's own letter on. Pinned
// by value, since writer and checker share the function and would agree on any change.
TEST(Wire, APayloadIsTheAlphabetFromItsSequenceNumberOn) {
  EXPECT_EQ(message_payload(0, 0), "");
  EXPECT_EQ(message_payload(1, 3), "bcd");
  EXPECT_EQ(message_payload(27, 30), "bcdefghijklmnopqrstuvwxyzabcde");
  std::string long_one = message_payload(25, 100);
  for (size_t i = 0; i < long_one.size(); ++i) {
    ASSERT_EQ(long_one[i], static_cast<char>('a' + (25 + i) % 26)) << "at " << i;
  }
}

TEST(StatusText, StaysOnOneLineWhateverTheMessageHolds) {
  EXPECT_EQ(status_text({Code::not_found, "x%y\n"}), "NOT_FOUND: x%y\\n");
  EXPECT_EQ(status_text({Code::internal, std::string("a\tb\\c\x01\x7f", 7)}), "INTERNAL: a\\tb\\\\c\\x01\\x7f");
  EXPECT_EQ(status_text({Code::ok, ""}), "OK");
  EXPECT_EQ(status_text({Code::unknown, "caf\xc3\xa9"}), "UNKNOWN: caf\xc3\xa9");  // UTF-8 stays
}

}  // namespace
// Each stack's words for a reset without a status, as its code has them (status.h: ResetWords)
// and as live mode saw them through nginx's RST_STREAM(INTERNAL_ERROR) (docs/fidelity.md).
TEST(Status, EachStackSaysAResetInItsOwnWords) {
  using h2::ErrorCode;
  EXPECT_EQ(status_for_reset(ResetWords::grpc_core, ErrorCode::internal_error),
            (Status{Code::internal, "Received RST_STREAM with error code 2"}));
  EXPECT_EQ(status_for_reset(ResetWords::grpc_go, ErrorCode::internal_error),
            (Status{Code::internal, "stream terminated by RST_STREAM with error code: INTERNAL_ERROR"}));
  EXPECT_EQ(status_for_reset(ResetWords::grpc_java, ErrorCode::internal_error),
            (Status{Code::internal, "RST_STREAM closed stream. HTTP/2 error code: INTERNAL_ERROR"}));
  EXPECT_EQ(status_for_reset(ResetWords::grpc_js, ErrorCode::internal_error),
            (Status{Code::internal, "Received RST_STREAM with code 2 (Internal server error)"}));
  // Where the tables part from the spec's.
  EXPECT_EQ(status_for_reset(ResetWords::grpc_go, ErrorCode::flow_control_error).code, Code::resource_exhausted);
  EXPECT_EQ(status_for_reset(ResetWords::grpc_go, static_cast<ErrorCode>(0x20)),
            (Status{Code::unknown, "stream terminated by RST_STREAM with error code: unknown error code 0x20"}));
  EXPECT_EQ(status_for_reset(ResetWords::grpc_java, ErrorCode::no_error).code, Code::unavailable);
  EXPECT_EQ(status_for_reset(ResetWords::grpc_java, ErrorCode::http_1_1_required).code, Code::unknown);
  EXPECT_EQ(status_for_reset(ResetWords::grpc_java, ErrorCode::enhance_your_calm),
            (Status{Code::resource_exhausted,
                    "RST_STREAM closed stream. HTTP/2 error code: ENHANCE_YOUR_CALM (Bandwidth exhausted)"}));
  EXPECT_EQ(status_for_reset(ResetWords::grpc_js, ErrorCode::refused_stream),
            (Status{Code::unavailable, "Stream refused by server"}));
  EXPECT_EQ(status_for_reset(ResetWords::grpc_js, ErrorCode::protocol_error),
            (Status{Code::internal, "Received RST_STREAM with code 1"}));
  EXPECT_EQ(status_for_reset(ResetWords::grpc_core, ErrorCode::flow_control_error).code, Code::internal);
}

}  // namespace h2sim::grpc
