#!/usr/bin/env python3
"""tidy: checks the rules of h2sim's architecture over a source tree.

Usage: tidy.py [ROOT]    (ROOT defaults to the current folder)

Prints one line per violation, `path:line: rule: message`, then a count per rule, and exits 1
if anything was found, 0 if not, 2 on bad usage. Standard library only, so it runs wherever
the build does. The tables below are the rules; the code after them only applies them.
"""

import os
import re
import sys
from bisect import bisect_right
from collections import Counter

# ---------------------------------------------------------------------------------------------
# Rule data. Edit these tables, not the code below them.
# ---------------------------------------------------------------------------------------------

# The folders scanned, relative to ROOT. Missing ones are skipped.
SOURCE_ROOTS = ("sim", "model", "proxy_under_test", "live", "properties", "reports", "cli",
                "include", "examples", "bench", "tests")
SOURCE_SUFFIXES = (".cc", ".h", ".cpp", ".hpp", ".hh", ".cxx")

# Layering: each folder and the folders it may include; a folder may always include itself and
# `*` means anything. A file belongs to the most specific folder that prefixes its path
# (live/net/x.cc is live/net, live/grpcpp/x.cc is live). `<h2sim/...>` is include/h2sim/.
# Why: the dependency direction is the architecture. sim/ moves bytes and time and knows
# nothing of HTTP/2, a proxy under test never sees gRPC, and only the outer layers see it all.
LAYERS = """
cli               -> reports properties live model/run proxy_under_test model/grpc model/scenario model/h2 sim live/net include
reports           -> properties live model/run proxy_under_test model/grpc model/scenario model/h2 sim live/net include
properties        -> live model/run proxy_under_test model/grpc model/scenario model/h2 sim live/net include
live              -> model/run proxy_under_test model/grpc model/scenario model/h2 sim live/net include
model/run         -> proxy_under_test model/grpc model/scenario model/h2 sim include
proxy_under_test  -> model/scenario model/h2 sim include
model/grpc        -> model/h2 sim include
model/scenario    -> sim include
model/h2          -> sim include
live/net          -> sim
sim               ->
include           -> sim model/h2 model/scenario model/grpc model/run properties cli
examples          -> *
bench             -> *
tests             -> *
"""

# Headers a folder must not include however they are spelled (regex on the include path).
FORBIDDEN_INCLUDES = (
    # The protocol models take plain values; the scenario file's messages stay in
    # model/scenario and above, so the models do not change when the file format does.
    ("model/grpc", r"(^|/)(scenario|replay)\.pb\.h$", "the scenario file's messages"),
    ("model/h2", r"(^|/)(scenario|replay)\.pb\.h$", "the scenario file's messages"),
    # STYLE.md rule 1: if a sim/ header includes nghttp2 or protobuf, the layering is wrong.
    ("sim", r"^(nghttp2|google/protobuf)/", "HTTP/2 or protobuf"),
)

# Function length: STYLE.md rule 11 and TigerBeetle's limit, a function fits on a screen.
FUNCTION_LINES_MAX = 70
FUNCTION_LENGTH_EXEMPT = ("tests",)

# Banned APIs: (rule, pattern over code without comments and literals, folders where allowed,
# why). NOT_MEMBER keeps `x.rand(` and `p->popen(` out: only the library function is meant.
NOT_MEMBER = r"(?<![\w.])(?<!->)"
BANNED = (
    # STYLE.md rule 2: every nondeterministic decision is one labelled choose() on the World's
    # ChoiceSource, and <random>'s distributions differ between standard libraries.
    ("banned-api/random",
     r"#\s*include\s*<random>|" + NOT_MEMBER + r"s?rand\s*\(|\brandom_device\b|\bmt19937",
     ("tests", "bench"), "randomness outside the ChoiceSource"),
    # The simulator owns all time; only live mode runs against a real clock (Envoy#6239).
    ("banned-api/clock",
     r"\b(steady_clock|system_clock|high_resolution_clock|gettimeofday|clock_gettime)\b|"
     + NOT_MEMBER + r"time\s*\(\s*(nullptr|NULL|0)\s*\)",
     ("live", "bench", "tests"), "a wall clock outside live mode"),
    # A shell pipeline is an unchecked, unportable process; product code spawns nothing that way.
    ("banned-api/popen", NOT_MEMBER + r"popen\s*\(", ("tests",), "a shell through popen"),
    # RapidCheck's detail headers are private and change between releases; use rc:: and gen::.
    ("banned-api/rapidcheck-detail", r"rapidcheck/detail", (), "RapidCheck's private headers"),
)

# POSIX calls whose result says whether they worked: a statement that drops it is a bug waiting
# for a full disk, a closed pipe or a process limit, found in production instead of here.
# Each with its POSIX argument count: a `write(path, text)` helper is not the system call.
UNCHECKED_CALLS = {"fork": 0, "pipe": 1, "pipe2": 2, "mmap": 6, "write": 3}
UNCHECKED_RULE = "banned-api/unchecked-call"
UNCHECKED_EXEMPT = ("tests",)

RULES = ("layering", "function-length") + tuple(b[0] for b in BANNED) + (UNCHECKED_RULE,)


def parse_layers(table):
    """{folder: set of folders it may include}, `*` meaning any."""
    layers = {}
    for row in table.strip().splitlines():
        folder, _, allowed = row.partition("->")
        layers[folder.strip()] = set(allowed.split())
    return layers


LAYER_MAP = parse_layers(LAYERS)


# ---------------------------------------------------------------------------------------------
# Lexing: comments and literals become spaces, so offsets and line numbers stay the same.
# ---------------------------------------------------------------------------------------------

LITERAL = re.compile(r"""
    (?P<raw>(?<!\w)(?:u8|[uUL])?R"(?P<delim>[^()\\\s]{0,16})\(.*?\)(?P=delim)")
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>(?:u8|[uUL])?"(?:\\.|[^"\\\n])*")
  | (?P<char>(?<!\w)(?:u8|[uUL])?'(?:\\.|[^'\\\n])+')
""", re.S | re.X)
INCLUDE_LINE = re.compile(r"[ \t]*#[ \t]*include[ \t]*$")
PREPROCESSOR = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)


def blank(text):
    """text with everything but newlines turned into spaces."""
    return re.sub(r"[^\n]", " ", text)


def strip_literals(text):
    """text without comments, string and character literals (quotes kept, contents blanked).

    An #include's quoted path is kept: it names a header, not a string."""
    def replace(m):
        if m.lastgroup == "comment":
            return blank(m.group())
        if m.lastgroup == "string":
            line_start = text.rfind("\n", 0, m.start()) + 1
            if INCLUDE_LINE.match(text, line_start, m.start()):
                return m.group()
        quote = m.group().index('"' if m.lastgroup != "char" else "'")
        return m.group()[:quote + 1] + blank(m.group()[quote + 1:-1]) + m.group()[-1]
    return LITERAL.sub(replace, text)


def strip_preprocessor(code):
    """code with preprocessor directives (and their continuation lines) blanked."""
    return PREPROCESSOR.sub(lambda m: blank(m.group()), code)


# ---------------------------------------------------------------------------------------------
# Function scanner: finds function bodies by braces and the declarator before each `{`.
# ---------------------------------------------------------------------------------------------

PAIRS = {")": "(", "]": "[", "}": "{"}
SCOPE_HEAD = re.compile(r"\b(namespace|class|struct|union|enum)\b|^extern\s*\"\s*\"$")
QUALIFIERS = re.compile(r"(?:\s*(?:\b(?:const|volatile|override|final|noexcept|mutable|constexpr"
                        r"|consteval|try|__attribute__)\b(?:\s*\(\))?|&&?))+\s*$")
TRAILING_CLAUSE = re.compile(r"\s*(?:->|\brequires\b)(?!.*(?:->|\brequires\b)).*$")
INIT_ITEM = r"[\w:]+(?:<[^<>]*>)?\s*(?:\(\)|\{\})(?:\s*\.\.\.)?"
INIT_LIST = re.compile(rf"(?<!:):(?!:)\s*{INIT_ITEM}(?:\s*,\s*{INIT_ITEM})*\s*$")
LAMBDA = re.compile(r"(?:^|[=(,{]|\breturn)\s*\[\]\s*(?:<[^<>]*>\s*)?(?:\(\))?$")
LAMBDA_VARIABLE = re.compile(r"(\w+)\s*=\s*\[\]")
FUNCTION_NAME = re.compile(
    r"((?:[\w~]+(?:<[^()]*?>)?\s*::\s*)*"
    r"(?:operator\s*(?:\(\)|\[\]|\w[\w\s:<>*&]*?|[^\w\s()]+)|~?\w+))\s*(?:<[^()]*>)?\s*\(\)$")
NOT_NAMES = {"decltype", "sizeof", "alignof", "alignas", "noexcept", "requires", "static_assert",
             "__attribute__", "if", "for", "while", "switch", "catch", "return"}


def collapse(head):
    """head on one line with the insides of balanced (), [] and {} removed: `f(int a) : b_{a}`
    becomes `f() : b_{}`, so the shape of a declarator shows. Unbalanced openers stay."""
    out, openers = [], []
    for c in " ".join(head.split()):
        if c in "([{":
            out.append(c)
            openers.append(len(out))
        elif c in PAIRS and openers and out[openers[-1] - 1] == PAIRS[c]:
            del out[openers.pop():]
            out.append(c)
        else:
            out.append(c)
    return "".join(out)


def strip_tail(h):
    """A collapsed head without what may follow a parameter list: cv and ref qualifiers,
    override, final, noexcept(...), a trailing return type and a requires clause."""
    h = h.strip()
    while True:
        before = h
        h = QUALIFIERS.sub("", h)
        m = TRAILING_CLAUSE.search(h)
        if m and QUALIFIERS.sub("", h[:m.start()]).endswith(")"):
            h = h[:m.start()]
        if h == before:
            return h


def lambda_name(h):
    """`lambda`, or `f (lambda)` for `f = [] {`, if a collapsed head opens a lambda; else None."""
    tail = strip_tail(h)
    if not LAMBDA.search(tail):
        return None
    m = LAMBDA_VARIABLE.search(tail)
    return (m.group(1) + " (lambda)") if m else "lambda"


def function_name(h):
    """The name declared by a collapsed head if it opens a function body, else None."""
    tail = strip_tail(h)
    m = INIT_LIST.search(h)  # a constructor's `: a_(x), b_{y}`
    if m:
        tail = strip_tail(h[:m.start()])
    m = FUNCTION_NAME.search(tail)
    if not m or m.group(1) in NOT_NAMES:
        return None
    return re.sub(r"\s+", " ", m.group(1)).strip()


def classify(head):
    """('function', name), ('lambda', name), ('scope', None) for a namespace, class or extern
    block, or ('data', None) for a brace initializer, whose braces are part of a declaration."""
    h = collapse(head)
    name = lambda_name(h)
    if name:
        return "lambda", name
    name = function_name(h)
    if name:
        return "function", name
    if SCOPE_HEAD.search(h):
        return "scope", None
    return "data", None


def macro_call(head, name):
    """`TEST_F(Suite, Name)` for a function-like macro, so the report names the case."""
    flat = " ".join(head.split())
    start = flat.rfind(name + "(")
    if start < 0 or not re.fullmatch(r"[A-Z][A-Z0-9]*_[A-Z0-9_]*|[A-Z][A-Z0-9]{3,}", name):
        return name
    depth = 0
    for i in range(start + len(name), len(flat)):
        depth += {"(": 1, ")": -1}.get(flat[i], 0)
        if depth == 0:
            return flat[start:i + 1]
    return name


def name_offset(head, kind, name):
    """Offset in head of the declared name (the last mention followed by `(` or `<`)."""
    if kind == "lambda":
        return max(head.rfind("["), 0)
    key = "operator" if "operator" in name else re.sub(r"<.*|\(.*|~", "", name.split("::")[-1])
    found = [m.start() for m in re.finditer(r"\b" + re.escape(key) + r"\s*[(<]", head)]
    return found[-1] if found else len(head.rstrip())


def function_bodies(code):
    """Yields (name, name_offset, open_offset, close_offset) for each function body in code
    (comments, literals and directives already blanked). Braces inside a body only nest:
    lambdas and local classes count towards their function; a lambda outside any function is
    a function of its own."""
    kinds = []          # open non-function braces outside functions: 'scope' or 'data'
    head_start = 0      # where the declaration before the next `{` begins
    depth = 0           # brace depth inside the current function body, 0 outside
    current = None      # (name, name offset, open offset, kind) of that function
    for m in re.finditer(r"[{};]", code):
        pos, c = m.start(), m.group()
        if depth:
            depth += {"{": 1, "}": -1}.get(c, 0)
            if depth == 0:
                yield current[:3] + (pos,)
                # A lambda is part of a declaration, e.g. `Foo() : f_([] { ... }) {`.
                head_start = head_start if current[3] == "lambda" else pos + 1
        elif c == ";":
            head_start = pos + 1
        elif c == "{":
            head = code[head_start:pos]
            kind, name = classify(head)
            if kind in ("function", "lambda"):
                depth = 1
                at = head_start + name_offset(head, kind, name)
                current = (macro_call(head, name), at, pos, kind)
            else:
                kinds.append(kind)
                # A brace initializer is part of the declaration, e.g. `Foo() : b_{1} {`.
                head_start = head_start if kind == "data" else pos + 1
        else:
            if (kinds.pop() if kinds else "scope") != "data":
                head_start = pos + 1


# ---------------------------------------------------------------------------------------------
# Checks. Each yields (offset, rule, message) for one file.
# ---------------------------------------------------------------------------------------------

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]*)[>"]', re.M)


def folder_of(path):
    """The most specific folder of the layering table that prefixes path, or None."""
    best = None
    for folder in LAYER_MAP:
        if (path == folder or path.startswith(folder + "/")) and len(folder) > len(best or ""):
            best = folder
    return best


def in_folders(path, folders):
    return any(path == f or path.startswith(f + "/") for f in folders)


def include_target(delim, path):
    """The project folder an include names, or None for a system or same-folder header."""
    if path.startswith("h2sim/"):
        return "include"
    return folder_of(path) if delim == '"' else None


def layering_problem(source, delim, path):
    """Why `source` may not include `path`, or None."""
    for folder, pattern, what in FORBIDDEN_INCLUDES:
        if source == folder and re.search(pattern, path):
            return f"{folder}/ must not include {what}: {path}"
    target = include_target(delim, path)
    allowed = LAYER_MAP.get(source, {"*"})
    if target is None or target == source or "*" in allowed or target in allowed:
        return None
    return f"{source}/ may not include {target}/ ({path}): includes only go downwards"


def check_layering(rel, code):
    source = folder_of(rel)
    for m in INCLUDE.finditer(code):
        problem = layering_problem(source, m.group(1), m.group(2))
        if problem:
            yield m.start(), "layering", problem


def check_function_length(rel, code):
    if in_folders(rel, FUNCTION_LENGTH_EXEMPT):
        return
    for name, at, open_pos, close_pos in function_bodies(strip_preprocessor(code)):
        lines = code.count("\n", open_pos, close_pos) + 1
        if lines > FUNCTION_LINES_MAX:
            yield at, "function-length", f"{name} is {lines} lines (at most {FUNCTION_LINES_MAX})"


def check_banned(rel, code):
    for rule, pattern, allowed, what in BANNED:
        if in_folders(rel, allowed):
            continue
        where = f"allowed only in {', '.join(f + '/' for f in allowed)}" if allowed else "banned everywhere"
        for m in re.finditer(pattern, code):
            yield m.start(), rule, f"`{' '.join(m.group().split())}`: {what} ({where})"


def matching(code, pos, step):
    """Offset of the bracket matching the one at pos, scanning by step (+1 or -1), or None."""
    depth = 0
    for i in range(pos, len(code) if step > 0 else -1, step):
        depth += {"(": step, ")": -step}.get(code[i], 0)
        if depth == 0:
            return i
    return None


def starts_statement(code, pos):
    """Whether the expression at pos is the start of a statement, possibly cast to void."""
    before = code[max(0, pos - 300):pos].rstrip()
    before = re.sub(r"(\(\s*void\s*\)|static_cast\s*<\s*void\s*>\s*\()$", "", before).rstrip()
    if not before or before[-1] in ";{}" or re.search(r"(?<!:):$|\b(else|do)$", before):
        return True
    if before.endswith(")"):  # the condition of an if, for or while
        opener = matching(before, len(before) - 1, -1)
        return opener is not None and re.search(r"\b(if|for|while)(\s+constexpr)?\s*$",
                                                before[:opener]) is not None
    return False


def argument_count(arguments):
    """How many comma-separated arguments the text between a call's parentheses holds."""
    depth, count = 0, 1 if arguments.strip() else 0
    for c in arguments:
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(c, 0)
        count += c == "," and depth == 0
    return count


def check_unchecked_calls(rel, code):
    if in_folders(rel, UNCHECKED_EXEMPT):
        return
    names = "|".join(UNCHECKED_CALLS)
    for m in re.finditer(rf"(?<![\w.:>])(?:::)?\b({names})\s*\(", code):
        close = matching(code, m.end() - 1, 1)
        if close is None or argument_count(code[m.end():close]) != UNCHECKED_CALLS[m.group(1)]:
            continue
        after = code[close + 1:].lstrip()[:2]
        if (after.startswith(";") or after.startswith(");")) and starts_statement(code, m.start()):
            yield (m.start(), UNCHECKED_RULE,
                   f"the result of {m.group(1)}() is dropped: check it (banned outside tests/)")


CHECKS = (check_layering, check_function_length, check_banned, check_unchecked_calls)


# ---------------------------------------------------------------------------------------------
# Driver.
# ---------------------------------------------------------------------------------------------

def source_files(root):
    """Paths relative to root of the C++ sources under SOURCE_ROOTS, sorted."""
    found = []
    for top in SOURCE_ROOTS:
        for folder, subfolders, files in os.walk(os.path.join(root, top)):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
            rel = os.path.relpath(folder, root).replace(os.sep, "/")
            found += [f"{rel}/{f}" for f in files if f.endswith(SOURCE_SUFFIXES)]
    return sorted(found)


def check_file(root, rel):
    """Violations in one file as (path, line, rule, message), one per line and rule."""
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        code = strip_literals(f.read())
    newlines = [m.start() for m in re.finditer("\n", code)]
    seen = {}
    for check in CHECKS:
        for offset, rule, message in check(rel, code):
            line = bisect_right(newlines, offset - 1) + 1
            seen.setdefault((line, rule), message)
    return [(rel, line, rule, message) for (line, rule), message in seen.items()]


def main(argv):
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: tidy.py [ROOT]", file=sys.stderr)
        return 2
    root = argv[0] if argv else "."
    if not os.path.isdir(root):
        print(f"tidy: {root} is not a folder", file=sys.stderr)
        return 2
    files = source_files(root)
    violations = sorted(v for rel in files for v in check_file(root, rel))
    for path, line, rule, message in violations:
        print(f"{path}:{line}: {rule}: {message}")
    counts = Counter(v[2] for v in violations)
    print(f"tidy: {len(violations)} violations in {len(files)} files")
    for rule in RULES:
        print(f"  {rule}: {counts[rule]}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
