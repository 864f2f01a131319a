#!/usr/bin/env python3
"""Reads a Prometheus text exposition on stdin with the reference parser of the Prometheus
Python client (Debian's python3-prometheus-client) and prints every sample as one JSON
object: {"name{label="value",...}": value}, labels in sorted order. Exits 1, saying why, if
the parser refuses the text. Used by the monitoring test (monitoring_test.cpp)."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = sys.stdin.read()
    samples = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(
                    '%s="%s"' % (k, v) for k, v in sorted(sample.labels.items()))
                key = sample.name + ("{%s}" % labels if labels else "")
                if key in samples:
                    raise ValueError("sample %s appears twice" % key)
                samples[key] = sample.value
    except Exception as e:  # the parser's own errors are ValueError and others
        print("not a valid exposition: %s" % e)
        return 1
    print(json.dumps(samples, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
