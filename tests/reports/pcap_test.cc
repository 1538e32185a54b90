// Captures (issue 16, conventions): pcap timestamps never go back, and the pcapng has one
// interface per leg whose packets are that leg's, and names each flush's frames in a comment.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "properties/harness.h"
#include "reports/pcap.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

uint32_t le32(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  std::memcpy(&v, bytes.data() + at, 4);
  return v;  // the machine is little-endian, as the files are written
}

// The pcap's packet timestamps in microseconds, in file order.
std::vector<uint64_t> pcap_times(const std::string& file) {
  std::vector<uint64_t> times;
  for (size_t at = 24; at + 16 <= file.size(); at += 16 + le32(file, at + 8)) {
    times.push_back(uint64_t{le32(file, at)} * 1000000 + le32(file, at + 4));
  }
  return times;
}

struct NgPacket {
  uint32_t interface = 0;
  uint64_t ns = 0;
  uint16_t src_port = 0, dst_port = 0;
  std::string comment;
};

struct Pcapng {
  std::vector<std::string> interfaces;  // if_name of each interface block
  std::vector<NgPacket> packets;
  bool well_formed = true;
};

// A reader of exactly what pcapng() writes: blocks whose two lengths agree, options as TLVs.
Pcapng read_pcapng(const std::string& file) {
  Pcapng out;
  auto options = [&](size_t at, size_t end, uint16_t wanted) {
    while (at + 4 <= end) {
      uint16_t code = static_cast<uint16_t>(le32(file, at) & 0xffff), length = static_cast<uint16_t>(le32(file, at) >> 16);
      if (code == 0) break;
      if (code == wanted) return file.substr(at + 4, length);
      at += 4 + (length + 3) / 4 * 4;
    }
    return std::string();
  };
  for (size_t at = 0; at + 12 <= file.size();) {
    uint32_t type = le32(file, at), length = le32(file, at + 4);
    if (length < 12 || at + length > file.size() || le32(file, at + length - 4) != length) {
      out.well_formed = false;
      break;
    }
    if (type == 1) out.interfaces.push_back(options(at + 16, at + length - 4, 2));
    if (type == 6) {
      NgPacket p;
      p.interface = le32(file, at + 8);
      p.ns = (uint64_t{le32(file, at + 12)} << 32) | le32(file, at + 16);
      uint32_t captured = le32(file, at + 20);
      size_t tcp = at + 28 + 14 + 20;  // Ethernet, IPv4 without options
      p.src_port = static_cast<uint16_t>((static_cast<uint8_t>(file[tcp]) << 8) | static_cast<uint8_t>(file[tcp + 1]));
      p.dst_port = static_cast<uint16_t>((static_cast<uint8_t>(file[tcp + 2]) << 8) | static_cast<uint8_t>(file[tcp + 3]));
      p.comment = options(at + 28 + (captured + 3) / 4 * 4, at + length - 4, 1);
      out.packets.push_back(p);
    }
    at += length;
  }
  return out;
}

TEST(Pcap, TimestampsNeverGoBackOverManyRuns) {
  for (const char* name : {"founding-case.textproto", "regression-zero-latency-accept.textproto",
                           "explore-three-calls.textproto"}) {
    Scenario scenario = testing::scenario_from_file(name);
    for (uint64_t seed = 0; seed < 30; ++seed) {
      sim::SeededChoices choices(seed);
      std::vector<uint64_t> times = pcap_times(pcap(run_case(scenario, choices)));
      ASSERT_FALSE(times.empty()) << name;
      for (size_t i = 1; i < times.size(); ++i) ASSERT_LE(times[i - 1], times[i]) << name << " seed " << seed << " packet " << i;
      sim::SeededChoices again(seed);
      Pcapng ng = read_pcapng(pcapng(run_case(scenario, again)));
      for (size_t i = 1; i < ng.packets.size(); ++i) ASSERT_LE(ng.packets[i - 1].ns, ng.packets[i].ns) << name;
    }
  }
}

TEST(Pcapng, OneInterfacePerLegAndEachFlushsFramesInAComment) {
  Scenario scenario = testing::scenario_from_file("founding-case.textproto");
  sim::PlainChoices choices;
  Result result = run_case(scenario, choices);
  Pcapng ng = read_pcapng(pcapng(result));
  ASSERT_TRUE(ng.well_formed);
  EXPECT_EQ(ng.interfaces, (std::vector<std::string>{"down", "up", "direct"}));
  ASSERT_EQ(ng.packets.size(), pcap_times(pcap(result)).size());
  bool reset_named = false;
  for (const NgPacket& p : ng.packets) {
    bool downstream = p.src_port == pcap_port(h2::Leg::downstream) || p.dst_port == pcap_port(h2::Leg::downstream);
    EXPECT_EQ(p.interface, downstream ? 0u : 1u) << p.src_port << " -> " << p.dst_port;
    // The proxy's flush to the client: trailers-only HEADERS, then RST_STREAM(CANCEL).
    if (downstream && p.src_port == pcap_port(h2::Leg::downstream) &&
        p.comment.find("RST_STREAM s=1 CANCEL") != std::string::npos) {
      reset_named = true;
      EXPECT_NE(p.comment.find("HEADERS s=1 [END_STREAM|END_HEADERS]"), std::string::npos) << p.comment;
    }
  }
  EXPECT_TRUE(reset_named);
}

TEST(Pcapng, TsharkReadsTheLegsAndComments) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark is not installed";
  Scenario scenario = testing::scenario_from_file("founding-case.textproto");
  sim::PlainChoices choices;
  std::string path = (std::filesystem::temp_directory_path() / ("h2sim-" + std::to_string(getpid()) + ".pcapng")).string();
  std::ofstream(path, std::ios::binary) << pcapng(run_case(scenario, choices));
  testing::CommandOutput out =
      testing::run_command("tshark -r " + path + " -T fields -e frame.interface_name -e frame.comment 2>&1");
  std::filesystem::remove(path);
  EXPECT_EQ(out.code, 0) << out.text;
  EXPECT_NE(out.text.find("down\tflush"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("up\tflush"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("RST_STREAM s=1 CANCEL"), std::string::npos) << out.text;
}

}  // namespace
}  // namespace h2sim
