"""The served-trainer protocol of sparsebench's external runners (src/meter/served.ts).

A trainer started with `--serve` imports its libraries once, then reads one request per line
on stdin, {"args": [...]} (the arguments it would take on its command line), trains, and
answers with its report as one JSON line on stdout; a request that fails is answered with
{"error": "..."} and the process goes on serving. {"ping": true} is answered {"ready": true}
at once: the harness starts its servers side by side before the first cell and waits for that
answer, so that no cell waits for an interpreter. It exits at the end of stdin. Python with
torch takes about 1.5 s to start here, twice the MNIST CNN's training: served, the repeats
of a run pay it once.
"""
import json
import sys
import traceback


def serve(main):
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            report = {"ready": True} if request.get("ping") else main(request["args"])
        except SystemExit as e:
            # argparse and the split loaders refuse by SystemExit: its message (or argparse's, on stderr)
            report = {"error": str(e.code) if isinstance(e.code, str) else f"exited with status {e.code} (see stderr)"}
        except Exception as e:  # noqa: BLE001 - one failed request must not end the server
            traceback.print_exc(file=sys.stderr)
            report = {"error": f"{type(e).__name__}: {e}"}
        sys.stderr.flush()
        sys.stdout.write(json.dumps(report) + "\n")
        sys.stdout.flush()


def run(main):
    """The entry point of a trainer: `--serve` alone serves requests; anything else is one run, its report printed."""
    if sys.argv[1:] == ["--serve"]:
        serve(main)
    else:
        print(json.dumps(main(sys.argv[1:])))
