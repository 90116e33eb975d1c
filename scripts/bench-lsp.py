#!/usr/bin/env python3
"""Latency of `mark-lint server`: from a change to a 2,000-line Markdown document to the
diagnostics published for it. Not a timed test: run it by hand on a release build.

Usage: nice cargo build --release && nice python3 scripts/bench-lsp.py [BINARY] [ROUNDS]
  BINARY defaults to $CARGO_TARGET_DIR/release/mark-lint (else target/release/mark-lint);
  ROUNDS (default 60) changes of each kind are timed after 5 unmeasured ones.

The document: a first-page zone with a malformed mark, then 2,000 lines of Chinese prose
with dates, a few misplaced marks and a line of astral characters. Two kinds of change are
timed, as editors send them: an incremental edit (one character typed, a UTF-16 range)
and a full-text change. The time is from writing the didChange to reading the
publishDiagnostics of that version (the server checks the whole document each time).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def frame(msg):
    body = json.dumps(msg, ensure_ascii=False).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_msg(out):
    length = None
    while True:
        line = out.readline()
        if not line:
            raise SystemExit("the server closed its output")
        line = line.strip()
        if not line:
            break
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return json.loads(out.read(length))


def document():
    lines = ["\u3000\u3000秘密☆5年", "", "# 关于做好汛前检查工作的通知", ""]
    for i in range(2000 - len(lines) - 2):
        if i % 400 == 399:
            lines.append("机密★10年")
        elif i % 97 == 0:
            lines.append("𠮷野家的第%d号意见已于2025年3月%d日收到。" % (i, i % 28 + 1))
        else:
            lines.append("第%d条　各单位要认真落实防汛责任制，做好水库、堤防和涵闸的检查。" % i)
    lines += ["", "2026年1月5日"]
    return "\n".join(lines) + "\n"


def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "release", "mark-lint")
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, ".mark-lint.yaml"), "w") as f:
        f.write("today: 2026-11-27\nlang: en\n")
    uri = "file://" + folder + "/bench.md"
    text = document()
    proc = subprocess.Popen(
        [binary, "server"], cwd=folder, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    send = lambda m: (proc.stdin.write(frame(m)), proc.stdin.flush())

    def wait_for(version):
        while True:
            m = read_msg(proc.stdout)
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == version:
                return m["params"]["diagnostics"]

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"processId": None, "rootUri": "file://" + folder, "capabilities": {}}})
    while read_msg(proc.stdout).get("id") != 1:
        pass
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "markdown", "version": 1, "text": text}}})
    found = wait_for(1)
    version = 1
    results = {}
    for kind in ("incremental", "full"):
        times = []
        for i in range(rounds + 5):
            version += 1
            if kind == "incremental":
                # Type a character at the end of line 1000, or take it away again.
                line = 1000
                col = len(text.split("\n")[line].encode("utf-16-le")) // 2
                if version % 2 == 0:
                    change = {"range": {"start": {"line": line, "character": col},
                                        "end": {"line": line, "character": col}}, "text": "。"}
                    text_lines = text.split("\n")
                    text_lines[line] += "。"
                else:
                    change = {"range": {"start": {"line": line, "character": col - 1},
                                        "end": {"line": line, "character": col}}, "text": ""}
                    text_lines = text.split("\n")
                    text_lines[line] = text_lines[line][:-1]
                text = "\n".join(text_lines)
            else:
                change = {"text": text}
            started = time.perf_counter()
            send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
            diags = wait_for(version)
            elapsed = (time.perf_counter() - started) * 1000
            assert len(diags) == len(found), (diags, found)
            if i >= 5:
                times.append(elapsed)
        results[kind] = times
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    while read_msg(proc.stdout).get("id") != 2:
        pass
    send({"jsonrpc": "2.0", "method": "exit", "params": None})
    proc.wait(timeout=10)
    print("document: %d lines, %d bytes, %d diagnostics (%s)" % (
        text.count("\n"), len(text.encode()), len(found),
        " ".join(sorted(d["code"] for d in found))))
    for kind, times in results.items():
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print("%-11s change -> diagnostics: median %.1f ms, p95 %.1f ms, max %.1f ms (%d changes)" % (
            kind, statistics.median(times), p95, times[-1], len(times)))


if __name__ == "__main__":
    main()
