#!/usr/bin/env python3
"""A test of the tidy test: tidy.py must find one deliberate violation of each rule, naming its
file, line and rule and nothing else, and must pass a clean tree that does everything the
rules allow. A checker that silently stops firing is worse than none, so this runs in the
default suite even while `tidy` itself is pending.

Usage: tidy_selftest.py  (unittest; exits non-zero on a failure)
"""

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TIDY = os.path.join(HERE, "tidy.py")
sys.path.insert(0, HERE)
import tidy  # noqa: E402

MARK = "// <- here"
LIMIT = 70  # the rule's number, stated here so that changing it in tidy.py fails this test
REPORT = re.compile(r"^(\S+):(\d+): (\S+): (.+)$", re.M)


def steps(count, indent="  "):
    """count lines of statements, to fill a body to a chosen length."""
    return "".join(f"{indent}step({i});\n" for i in range(count))


def function(head, lines, mark=True):
    """A function whose body spans `lines` lines, brace to brace, with MARK on its head."""
    return f"{head} {{{'  ' + MARK if mark else ''}\n{steps(lines - 2)}}}\n"


def marked_line(text):
    """The line number of MARK in text."""
    return text[:text.index(MARK)].count("\n") + 1


def write_tree(root, tree):
    """Writes {path: contents} under root."""
    for path, text in tree.items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w") as f:
            f.write(text)


def tidy_output(root):
    """(exit code, output) of tidy.main over root."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = tidy.main([root])
    return code, out.getvalue()


def run_tidy(tree):
    """(exit code, output) of tidy.main over a temporary tree {path: contents}."""
    with tempfile.TemporaryDirectory() as root:
        write_tree(root, tree)
        return tidy_output(root)


def bodies(source):
    """(name, line of the name, lines brace to brace) of each function body in source."""
    code = tidy.strip_preprocessor(tidy.strip_literals(source))
    return [(name, code.count("\n", 0, at) + 1, code.count("\n", start, end) + 1)
            for name, at, start, end in tidy.function_bodies(code)]


# ---------------------------------------------------------------------------------------------
# A clean tree: everything here is allowed, and much of it looks like a violation.
# ---------------------------------------------------------------------------------------------

CLEAN = {
    "sim/world.cc": '#include "sim/time.h"\n#include "world.h"\n#include <vector>\n'
                    '#include "support/helper.h"\n'
                    + function("void World::run()", LIMIT, mark=False)
                    + "int sim_time(int) { return 0; }\nint a() { return clock.time(0); }\n",
    # Long bodies that are not functions: namespaces, classes, enums, initializers.
    "sim/tables.h": "namespace sim {\n"
                    + "enum class Kind {\n" + "".join(f"  k{i},\n" for i in range(80)) + "};\n"
                    + "const int kTable[] = {\n" + "".join(f"  {i},\n" for i in range(80)) + "};\n"
                    + "std::vector<int> v{\n" + "".join(f"  {i},\n" for i in range(80)) + "};\n"
                    + "class Big {\n public:\n" + "".join(f"  int f{i}() const {{ return {i}; }}\n"
                                                         for i in range(80)) + "};\n"
                    + 'extern "C" {\n' + "".join(f"int c{i}(void);\n" for i in range(80)) + "}\n"
                    + "}  // namespace sim\n",
    "model/h2/frame.cc": '#include "model/h2/frame.h"\n#include "sim/link.h"\n'
                         "#include <h2sim/h2sim.h>\n#include <nghttp2/nghttp2.h>\n",
    "model/grpc/client.cc": '#include "model/h2/frame.h"\n#include "sim/host.h"\n'
                            '#include "model/grpc/echo.pb.h"\n',
    "model/scenario/validate.cc": '#include "model/scenario/scenario.pb.h"\n#include "sim/assert.h"\n',
    "model/run/run.cc": '#include "proxy_under_test/relay.h"\n'
                        '#include "model/scenario/replay.pb.h"\n#include "model/grpc/client.h"\n',
    "proxy_under_test/relay.cc": '#include "model/scenario/scenario.pb.h"\n#include "model/h2/codec.h"\n',
    "properties/campaign.cc": '#include "live/live_run.h"\n#include "model/run/run.h"\n',
    "reports/diagrams.cc": '#include "properties/campaign.h"\n#include "live/net/socket.h"\n'
                           'void write(const char* path, const char* text);\n'
                           'void report() {\n  write("index.html", "<html>");\n'
                           '  write(fd, [](int a, int b) { return a + b; });\n}\n',
    "cli/main.cc": '#include "reports/diagrams.h"\n#include <h2sim/h2sim.h>\n#include <unistd.h>\n'
                   '#include "h2sim/h2sim.h"\n'
                   "// #include \"tests/support/x.h\", rand(), steady_clock and popen( in a comment\n"
                   "/* fork(); std::mt19937 gen; #include <random> */\n"
                   "int main() {\n"
                   '  const char* s = "rand() steady_clock time(nullptr) popen( rapidcheck/detail";\n'
                   "  out.write(buf, n);\n  net.write(end, flush);\n  std::fwrite(b, 1, n, f);\n"
                   "  p->write(1, b, n);\n  if (write(fd, b, n) < 0) return 2;\n"
                   "  ssize_t n = ::write(fd, b, n);\n  pid_t pid = fork();\n"
                   "  if (pipe(fds) != 0) return 2;\n  return run(s);\n}\n",
    "include/h2sim/h2sim.h": '#include "cli/commands.h"\n#include "model/run/run.h"\n',
    "live/clock.cc": '#include "model/run/run.h"\n#include "live/net/socket.h"\n'
                     "auto a = std::chrono::steady_clock::now();\nauto b = std::chrono::system_clock::now();\n"
                     "long c = time(nullptr);\nint d = gettimeofday(&tv, nullptr);\n",
    "live/net/socket.cc": '#include "sim/time.h"\n#include "live/net/socket.h"\n'
                          "auto t = std::chrono::steady_clock::now();\n",
    "live/grpcpp/peer.cc": '#include "live/net/socket.h"\n#include "live/live_run.h"\n',
    "bench/world_bench.cc": '#include <random>\n#include "cli/commands.h"\n'
                            "std::mt19937 gen;\nstd::random_device rd;\nint r = rand();\n"
                            "auto t = std::chrono::high_resolution_clock::now();\n"
                            + function("void bench()", LIMIT, mark=False),
    "examples/minimal.cc": '#include "reports/diagrams.h"\n#include "cli/commands.h"\n',
    "tests/sim/world_test.cc": '#include "reports/diagrams.h"\n#include <random>\n'
                               + function("TEST(World, Long)", 3 * LIMIT, mark=False)
                               + "void f() {\n  fork();\n  write(1, b, 1);\n  ::pipe(fds);\n"
                               "  FILE* p = popen(\"ls\", \"r\");\n  srand(1);\n"
                               "  auto t = std::chrono::steady_clock::now();\n}\n",
}

# ---------------------------------------------------------------------------------------------
# One violation per case: (rule, path, contents with MARK on the offending line).
# ---------------------------------------------------------------------------------------------

LAYERING_CASES = [
    ("sim/link.cc", '#include "sim/link.h"\n#include "model/h2/frame.h"  ' + MARK + "\n"),
    ("sim/link.h", "#include <vector>\n#include <nghttp2/nghttp2.h>  " + MARK + "\n"),
    ("sim/proto.h", "#include <google/protobuf/message.h>  " + MARK + "\n"),
    ("sim/api.cc", "#include <h2sim/h2sim.h>  " + MARK + "\n"),
    ("sim/test_only.cc", '#include "tests/support/test_support.h"  ' + MARK + "\n"),
    ("proxy_under_test/h2_relay.cc", '#include "model/grpc/client.h"  ' + MARK + "\n"),
    ("live/net/socket.h", '#include "sim/time.h"\n#include "live/live_run.h"  ' + MARK + "\n"),
    ("model/grpc/server.h", '#include "model/scenario/scenario.pb.h"  ' + MARK + "\n"),
    ("model/grpc/call.cc", '#include "model/scenario/validate.h"  ' + MARK + "\n"),
    ("model/scenario/io.cc", '#include "model/h2/frame.h"  ' + MARK + "\n"),
    ("model/h2/codec.cc", '#include "replay.pb.h"  ' + MARK + "\n"),
    ("model/h2/endpoint.cc", '#include "model/grpc/status.h"  ' + MARK + "\n"),
    ("model/run/run.h", '#include "live/live_run.h"  ' + MARK + "\n"),
    ("include/h2sim/h2sim.h", '#include "reports/diagrams.h"  ' + MARK + "\n"),
    ("properties/campaign.h", '#include "reports/diagrams.h"  ' + MARK + "\n"),
    ("reports/html.cc", '#include "cli/output.h"  ' + MARK + "\n"),
    ("live/live_run.cc", '#include "properties/harness.h"  ' + MARK + "\n"),
]

FUNCTION_CASES = [
    ("sim/event_queue.cc", function("void EventQueue::run(Time until)", LIMIT + 1)),
    ("model/h2/endpoint.cc",
     f"Endpoint::Endpoint(Role role, Leg leg)  {MARK}\n    : role_(role),\n      leg_{{leg}},\n"
     f"      pending_() {{\n{steps(LIMIT - 1)}}}\n"),
    ("properties/generators.cc",
     f"auto make_gen(int n) {{  {MARK}\n  return [n](int x) {{\n{steps(LIMIT - 3, '    ')}"
     "  };\n}\n"),
    ("model/grpc/server.h",
     "namespace grpc {\nclass Server {\n public:\n  class Call {\n   public:\n"
     + function("    int handle(const Event& e) const override", LIMIT + 1)
     + "  };\n};\n}  // namespace grpc\n"),
    ("reports/trace_text.cc",
     f"template <typename T, int N = 3>\nT sum(const std::array<T, N>& a) {{  {MARK}\n"
     f"  if constexpr (std::is_integral_v<T>) {{\n{steps(LIMIT - 4, '    ')}  }} else {{\n"
     "  }\n}\n"),
    ("cli/args.cc", function("bool operator==(const Args& a, const Args& b)", LIMIT + 1)),
    ("examples/cases.cc", function("REGISTER_CASE(founding, 3)", LIMIT + 1)),
    ("bench/world_bench.cc",
     f"const auto kLong = [](int x) {{  {MARK}\n{steps(LIMIT - 1)}}};\n"),
    ("live/net/socket.cc", function("auto Socket::read() const noexcept -> Bytes", LIMIT + 1)),
    ("include/h2sim/inline.h", function("inline int f()", LIMIT + 1)),
]

BANNED_CASES = [
    ("banned-api/random", "model/run/seeds.cc", "#include <random>  " + MARK + "\n"),
    ("banned-api/random", "properties/gen.cc", "std::mt19937 gen;  " + MARK + "\n"),
    ("banned-api/random", "sim/choice.cc", "int f() {\n  return rand();  " + MARK + "\n}\n"),
    ("banned-api/random", "cli/seed.cc", "std::random_device rd;  " + MARK + "\n"),
    ("banned-api/random", "examples/seed.cc", "void f() { srand(1); }  " + MARK + "\n"),
    ("banned-api/clock", "sim/time.cc", "auto t = std::chrono::steady_clock::now();  " + MARK + "\n"),
    ("banned-api/clock", "reports/html.cc", "long t = std::time(nullptr);  " + MARK + "\n"),
    ("banned-api/clock", "proxy_under_test/timer.cc",
     "void f() {\n  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return;  " + MARK + "\n}\n"),
    ("banned-api/clock", "cli/stamp.cc", "using Clock = std::chrono::system_clock;  " + MARK + "\n"),
    ("banned-api/clock", "model/h2/t.cc", "int f() { return gettimeofday(&tv, 0); }  " + MARK + "\n"),
    ("banned-api/popen", "reports/diagrams.cc", 'FILE* f = popen("dot -Tsvg", "r");  ' + MARK + "\n"),
    ("banned-api/popen", "live/proc.cc", 'FILE* f = ::popen("ls", "r");  ' + MARK + "\n"),
    ("banned-api/unchecked-call", "cli/campaign.cc", "void f() {\n  fork();  " + MARK + "\n}\n"),
    ("banned-api/unchecked-call", "live/pipe.cc", "void f() {\n  (void)write(fd, b, n);  " + MARK + "\n}\n"),
    ("banned-api/unchecked-call", "bench/fds.cc", "void f() {\n  ::pipe(fds);  " + MARK + "\n}\n"),
    ("banned-api/unchecked-call", "examples/fds.cc", "void f() { pipe2(fds, 0); }  " + MARK + "\n"),
    ("banned-api/unchecked-call", "model/run/log.cc",
     "void f() {\n  if (verbose) ::write(2, b, n);  " + MARK + "\n}\n"),
    ("banned-api/unchecked-call", "properties/shm.cc",
     "void f() {\n  static_cast<void>(mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd, 0));  "
     + MARK + "\n}\n"),
    ("banned-api/rapidcheck-detail", "tests/properties/gen_test.cc",
     "#include <rapidcheck/detail/Any.h>  " + MARK + "\n"),
    ("banned-api/rapidcheck-detail", "properties/show.cc",
     '#include "rapidcheck/detail/Configuration.h"  ' + MARK + "\n"),
]

ALL_CASES = ([("layering", p, t) for p, t in LAYERING_CASES]
             + [("function-length", p, t) for p, t in FUNCTION_CASES] + BANNED_CASES)


class CheckerFindsEachViolation(unittest.TestCase):
    def test_the_clean_tree_passes(self):
        code, out = run_tidy(CLEAN)
        self.assertEqual(REPORT.findall(out), [], out)
        self.assertEqual(code, 0, out)
        self.assertIn("tidy: 0 violations", out)

    def test_each_violation_is_reported_alone_with_file_line_and_rule(self):
        with tempfile.TemporaryDirectory() as root:
            write_tree(root, CLEAN)
            for rule, path, text in ALL_CASES:
                with self.subTest(rule=rule, path=path):
                    write_tree(root, {path: text})
                    try:
                        self.check_alone(tidy_output(root), rule, path, text)
                    finally:  # back to the clean tree for the next case
                        if path in CLEAN:
                            write_tree(root, {path: CLEAN[path]})
                        else:
                            os.remove(os.path.join(root, path))

    def check_alone(self, result, rule, path, text):
        """The report names path, MARK's line and rule, and nothing else."""
        code, out = result
        found = [(p, int(n), r) for p, n, r, _ in REPORT.findall(out)]
        self.assertEqual(found, [(path, marked_line(text), rule)], out)
        self.assertEqual(code, 1, out)
        self.assertIn(f"  {rule}: 1\n", out)
        if rule == "function-length":  # each case is one line over the limit
            self.assertIn(f" is {LIMIT + 1} lines (at most {LIMIT})", out)

    def test_every_rule_has_a_case(self):
        self.assertEqual({rule for rule, _, _ in ALL_CASES}, set(tidy.RULES))

    def test_function_length_names_the_function_and_its_length(self):
        _, out = run_tidy({"sim/a.cc": function("int Link::drain(int n) const", LIMIT + 1)})
        self.assertIn(f"sim/a.cc:1: function-length: Link::drain is {LIMIT + 1} lines "
                      f"(at most {LIMIT})", out)

    def test_the_script_runs_on_its_own_and_exits_1_then_0(self):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "sim"))
            bad = os.path.join(root, "sim", "a.cc")
            with open(bad, "w") as f:
                f.write('#include "cli/main.h"\n')
            run = subprocess.run([sys.executable, TIDY, root], capture_output=True, text=True)
            self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
            self.assertIn("sim/a.cc:1: layering: ", run.stdout)
            os.remove(bad)
            run = subprocess.run([sys.executable, TIDY, root], capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            run = subprocess.run([sys.executable, TIDY, os.path.join(root, "missing")],
                                 capture_output=True, text=True)
            self.assertEqual(run.returncode, 2)


class ScannerFindsFunctionBodies(unittest.TestCase):
    """Exact (name, line, length) lists for inputs that trip up a brace counter."""

    def test_a_constructor_with_a_member_initializer_list(self):
        source = ("Foo::Foo(int a, std::vector<int> v)\n    : a_(a),\n      v_{std::move(v)},\n"
                  "      b_{} {\n  x();\n}\nclass C {\n public: C() : a_(1) {}\n};\n")
        self.assertEqual(bodies(source), [("Foo::Foo", 1, 3), ("C", 8, 1)])

    def test_a_lambda_in_a_constructors_initializer_is_its_own_and_the_body_still_counts(self):
        source = "Foo::Foo() : cb_([this] { run(); }), n_{0} {\n  start();\n}\n"
        self.assertEqual(bodies(source), [("lambda", 1, 1), ("Foo::Foo", 1, 3)])

    def test_a_returned_lambda_counts_towards_its_function(self):
        source = "auto make_adder(int n) {\n  return [n](int x) {\n    return x + n;\n  };\n}\n"
        self.assertEqual(bodies(source), [("make_adder", 1, 5)])

    def test_a_lambda_at_namespace_scope_is_a_function(self):
        source = ("namespace {\nconst auto kTwice = [](int x) {\n  return 2 * x;\n};\n"
                  "const std::map<int, Fn> kHandlers = {\n    {1, [](int x) { return x; }},\n"
                  "    {2, [](int x) mutable -> int {\n       return -x;\n     }},\n};\n}\n")
        self.assertEqual(bodies(source), [("kTwice (lambda)", 2, 3), ("lambda", 6, 1),
                                          ("lambda", 7, 3)])

    def test_inline_methods_of_nested_classes(self):
        source = ("class Outer {\n public:\n  class Inner {\n   public:\n    int f() const {\n"
                  "      return 1;\n    }\n  };\n  Outer() = default;\n  int g() { return 2; }\n"
                  "  int h_{3};\n  std::vector<int> v_ = {1, 2};\n  void k() &&;\n};\n")
        self.assertEqual(bodies(source), [("f", 5, 3), ("g", 10, 1)])

    def test_templates_and_if_constexpr(self):
        source = ("template <typename T, int N = 3>\nT sum(const std::array<T, N>& a) {\n"
                  "  if constexpr (std::is_integral_v<T>) {\n    return a[0];\n  } else {\n"
                  "    for (auto x : a) { (void)x; }\n  }\n  return T{};\n}\n"
                  "template <class T>\nvoid Box<T>::put(T v) { v_ = v; }\n")
        self.assertEqual(bodies(source), [("sum", 2, 8), ("Box<T>::put", 11, 1)])

    def test_operator_overloads(self):
        source = ("bool operator==(const A& a, const A& b) { return a.x == b.x; }\nstruct F {\n"
                  "  int operator()(int x) const noexcept { return x; }\n"
                  "  int& operator[](std::size_t i) & { return v[i]; }\n"
                  "  explicit operator bool() const { return true; }\n"
                  "  auto operator<=>(const F&) const = default;\n};\n"
                  "A operator<<(A a, int) {\n  return a;\n}\n")
        self.assertEqual(bodies(source), [("operator==", 1, 1), ("operator()", 3, 1),
                                          ("operator[]", 4, 1), ("operator bool", 5, 1),
                                          ("operator<<", 8, 3)])

    def test_trailing_return_types_qualifiers_and_requires_clauses(self):
        source = ("auto Box<T>::get() const -> const T& { return v_; }\n"
                  "template <class T> requires std::integral<T> void h(T) {}\n"
                  "template <class T> void k(T) requires std::integral<T> {}\n"
                  "void Foo::m() noexcept(true) {}\nFoo::~Foo() {}\n"
                  "void g(Options o = {}) { go(o); }\n"
                  "template <class T> concept C = requires(T t) { t.f(); };\n")
        self.assertEqual(bodies(source), [("Box<T>::get", 1, 1), ("h", 2, 1), ("k", 3, 1),
                                          ("Foo::m", 4, 1), ("Foo::~Foo", 5, 1), ("g", 6, 1)])

    def test_a_function_like_macro_followed_by_a_brace_is_a_function(self):
        source = "TEST_F(Suite, Name) {\n  run();\n}\nREGISTER_CASE(founding, 3) {\n}\n"
        self.assertEqual(bodies(source), [("TEST_F(Suite, Name)", 1, 3),
                                          ("REGISTER_CASE(founding, 3)", 4, 2)])

    def test_control_statements_count_towards_their_function(self):
        source = ("int control(int x) {\n  switch (x) { case 1: { return 1; } default: break; }\n"
                  "  do { --x; } while (x > 0);\n  try { throw 1; } catch (...) { }\n"
                  "  while (x) { }\n  return 0;\n}\n")
        self.assertEqual(bodies(source), [("control", 1, 7)])

    def test_braces_in_comments_literals_and_directives_do_not_count(self):
        source = ('int tricky() {\n  const char* a = "}{";  // }\n  char b = \'{\';\n'
                  '  /* } } */\n  auto r = R"x(}\n}\n)x";\n  int million = 1\'000\'000;\n'
                  "  return a[0] + b + million;\n}\n#define BLOCK(x) { x; \\\n  }\n"
                  "int after() { return 0; }\n")
        self.assertEqual(bodies(source), [("tricky", 1, 10), ("after", 13, 1)])

    def test_scopes_and_initializers_are_not_functions(self):
        source = ("namespace a::b {\nenum class Color : int { red, green };\n"
                  "struct Point { int x{0}; int y = {1}; };\nconst int kTable[] = {1, 2, 3};\n"
                  'std::vector<int> v{1, 2};\nextern "C" {\nint c_function(void);\n}\n'
                  "union U { int i; float f; };\nvoid f();\nstatic struct { int a; } s{1};\n"
                  "}  // namespace a::b\n")
        self.assertEqual(bodies(source), [])


class LayeringTable(unittest.TestCase):
    def test_the_most_specific_folder_wins(self):
        self.assertEqual(tidy.folder_of("live/net/socket.cc"), "live/net")
        self.assertEqual(tidy.folder_of("live/grpcpp/peer.cc"), "live")
        self.assertEqual(tidy.folder_of("model/scenario/scenario.pb.h"), "model/scenario")
        self.assertIsNone(tidy.folder_of("support/test_support.h"))

    def test_every_folder_named_in_the_table_has_a_row(self):
        named = {f for allowed in tidy.LAYER_MAP.values() for f in allowed} - {"*"}
        self.assertLessEqual(named, set(tidy.LAYER_MAP))


if __name__ == "__main__":
    unittest.main(verbosity=1)
