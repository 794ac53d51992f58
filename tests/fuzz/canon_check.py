#!/usr/bin/env python3
"""canon_check.py - the other half of fuzz_canon: Python's verdict on every
case the harness wrote (CHAINSIM_CANON_CASES), one JSON object a line:
{"text": <a generated JSON text>, "canon": <chainsim's canonical bytes> | null}.

- chainsim wrote bytes: json.dumps(json.loads(text), sort_keys=True) must be
  exactly those bytes (and Python must read the text at all);
- chainsim refused (null): the text must break one of chainsim's stated
  rules - Python cannot read it, or it holds a float, an integer beyond
  +-2^53, a lone surrogate, a NUL in a string or key (it would cut the
  string short in C), a key twice in one object, or nesting deeper than
  256 - otherwise the refusal is a bug.

Usage: canon_check.py CASES_FILE   (exit 1 on the first mismatches, printed)"""
import json
import sys

INT_MAX = 2 ** 53
MAX_DEPTH = 256


class Duplicate(Exception):
    pass


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise Duplicate()
    return dict(pairs)


def refusal_reason(text):
    """Why chainsim may refuse text, or None if it must not."""
    try:
        value = json.loads(text, object_pairs_hook=no_duplicates)
    except Duplicate:
        return "duplicate key"
    except (ValueError, RecursionError):
        return "not JSON to Python"
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, (list, dict)) and depth > MAX_DEPTH:
            return "nesting past 256"
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, float):
            return "a float"
        if isinstance(v, int):
            if abs(v) > INT_MAX:
                return "an integer past 2^53"
            continue
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return "a lone surrogate"
            if "\0" in v:
                return "a NUL in a string"
            continue
        items = list(v.items()) if isinstance(v, dict) else [(None, x) for x in v]
        for k, x in items:
            if k is not None:
                try:
                    k.encode("utf-8")
                except UnicodeEncodeError:
                    return "a lone surrogate in a key"
                if "\0" in k:
                    return "a NUL in a key"
            stack.append((x, depth + 1))
    return None


def main():
    path = sys.argv[1]
    wrote = refused = bad = 0
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            case = json.loads(line)
            text, canon = case["text"], case["canon"]
            if canon is not None:
                wrote += 1
                try:
                    expected = json.dumps(json.loads(text), sort_keys=True)
                except (ValueError, RecursionError) as e:
                    expected = "<Python refuses: %s>" % e
                if expected != canon:
                    bad += 1
                    print("line %d: chainsim wrote %r\n  Python writes  %r\n  for the text %r"
                          % (n, canon, expected, text))
            else:
                refused += 1
                if refusal_reason(text) is None:
                    bad += 1
                    print("line %d: chainsim refused a text without a rule against it: %r"
                          % (n, text))
            if bad >= 10:
                break
    print("canon_check: %d cases written and compared, %d refused and justified, %d mismatches"
          % (wrote, refused, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
