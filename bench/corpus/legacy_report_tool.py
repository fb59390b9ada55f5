import argparse
import json
import os
from typing import Any, Dict, List


class report_config:
    def __init__(self, path):
        self.path = path
        self.rows = []


class ReportTool:
    def load(self, config: Any) -> List[Dict[str, Any]]:
        rows = []
        with open(config.path) as fh:
            for line in fh:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split(",")
                if len(parts) < 3:
                    continue
                rows.append({"name": parts[0], "region": parts[1], "amount": float(parts[2])})
        return rows

    def summarise(self, rows):
        totals = {}
        for row in rows:
            key = (row["region"], row["name"])
            if key in totals:
                totals[key] += row["amount"]
            elif row["amount"] > 0:
                totals[key] = row["amount"]
            else:
                totals[key] = 0
        return totals

    def render(self, totals, fmt="text"):
        if fmt == "json":
            return json.dumps({f"{k[0]}/{k[1]}": v for k, v in totals.items()})
        out = []
        for (region, name), value in sorted(totals.items()):
            out.append(f"{region:10} {name:20} {value:12.2f}")
        return "\n".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--format", default="text")
    args = parser.parse_args()
    tool = ReportTool()
    rows = tool.load(report_config(args.path))
    print(tool.render(tool.summarise(rows), args.format))
    if os.environ.get("REPORT_DEBUG"):
        print(len(rows))


if __name__ == "__main__":
    main()
