#!/usr/bin/env python3
"""Lists functions longer than a limit (default 80 lines) in C++ sources.

Usage: long_functions.py [--max N] FILE_OR_DIR...
A function is a definition at namespace or class level (namespace and class bodies are
containers) and closes at the matching brace; its length counts every line from the signature's
first line to the closing brace. Exits 1 when one is over the limit, so a test can hold the line.
"""
import os
import re
import sys

NAMESPACE = re.compile(r'^\s*((inline\s+)?namespace\b[^;]*|(class|struct)\s+\w[^;()=]*)\{\s*$')
SIG_START = re.compile(r'^(?![ \t#/}]|namespace\b|struct\b|class\b|enum\b|union\b|using\b|template\s*<[^>]*>\s*$|extern\b|typedef\b|static_assert\b)')


def strip_code(line, state):
    """Removes comments, string and char literals from a line; state carries /* */ across lines."""
    out = []
    i = 0
    while i < len(line):
        if state['block']:
            j = line.find('*/', i)
            if j < 0:
                return ''.join(out)
            state['block'] = False
            i = j + 2
            continue
        c = line[i]
        if line.startswith('//', i):
            break
        if line.startswith('/*', i):
            state['block'] = True
            i += 2
            continue
        m = re.match(r'R"([^(\s]*)\(', line[i:])
        if m:
            end = line.find(')' + m.group(1) + '"', i + m.end())
            if end < 0:
                state['raw'] = ')' + m.group(1) + '"'
                return ''.join(out)
            i = end + len(m.group(1)) + 2
            out.append('""')
            continue
        if c in '"\'':
            j = i + 1
            while j < len(line) and line[j] != c:
                j += 2 if line[j] == '\\' else 1
            out.append(c + c)
            i = j + 1
            continue
        out.append(c)
        i += 1
    return ''.join(out)


def functions(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    state = {'block': False, 'raw': None}
    depth = 0   # braces open, namespaces included
    base = 0    # of which namespaces (their bodies are not indented, so they are the top level)
    start = None
    name = None
    pending = None  # (line number, text) of a signature that has not opened its body yet
    for n, raw in enumerate(lines, 1):
        if state['raw']:
            j = raw.find(state['raw'])
            if j < 0:
                continue
            raw = raw[j + len(state['raw']):]
            state['raw'] = None
        code = strip_code(raw, state)
        top = depth == base and start is None
        if top and NAMESPACE.match(code):
            base += code.count('{') - code.count('}')
            depth = base
            continue
        if top:
            if pending is None and SIG_START.match(raw.lstrip()) and '(' in code:
                pending = (n, code)
            elif pending is not None and ';' in code and '{' not in code:
                pending = None
        opens, closes = code.count('{'), code.count('}')
        if top and opens:
            start, name = (pending if pending is not None else (None, None))
            pending = None
        elif top and pending is not None and code.rstrip().endswith(';'):
            pending = None
        depth += opens - closes
        if depth < base:  # a namespace closed
            base = depth = max(depth, 0)
        if depth == base and start is not None and (opens or closes):
            m = re.search(r'([A-Za-z_][\w:~<>]*)\s*\(', name)
            yield (m.group(1) if m else name.strip()), start, n
            start = None


def main(argv):
    limit = 80
    if argv[:1] == ['--max']:
        limit = int(argv[1])
        argv = argv[2:]
    files = []
    for a in argv:
        if os.path.isdir(a):
            for root, _, names in os.walk(a):
                files += [os.path.join(root, x) for x in names if x.endswith(('.cpp', '.hpp'))]
        else:
            files.append(a)
    over = 0
    for path in sorted(files):
        for fname, a, b in functions(path):
            if b - a + 1 > limit:
                print(f'{path}:{a}: {fname} is {b - a + 1} lines (limit {limit})')
                over += 1
    return 1 if over else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
