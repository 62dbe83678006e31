"""``python -m kotani_sandbox --port N``: serve the sandbox and say how to talk to it."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from kotani_sandbox.app import create_app
from kotani_sandbox.config import SandboxConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kotani_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--api-key", default="sandbox_test_key")
    parser.add_argument("--api-secret", default=None, help="turn on secure-mode request signing")
    parser.add_argument("--webhook-secret", default="whsec_sandbox_0123456789")
    parser.add_argument("--direct", action="store_true", help="direct callbacks instead of signed webhooks")
    parser.add_argument("--webhook-url", default=None, help="integrator-level webhook URL")
    parser.add_argument("--demo", action="store_true", help="auto-deposit and short delays, to watch a flow")
    args = parser.parse_args(argv)

    config = SandboxConfig(
        api_keys=(args.api_key,),
        api_secret=args.api_secret,
        webhook_secret=None if args.direct else args.webhook_secret,
        webhook_url=args.webhook_url,
        public_base_url=f"http://{args.host}:{args.port}",
    )
    if args.demo:
        config.demo()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"Kotani sandbox on {config.public_base_url}", flush=True)
    print(f"  KOTANI_BASE_URL={config.public_base_url}", flush=True)
    print(f"  KOTANI_API_KEY={args.api_key}", flush=True)
    if args.api_secret:
        print(f"  KOTANI_API_SECRET={args.api_secret}", flush=True)
    print(f"  KOTANI_WEBHOOK_SECRET={config.webhook_secret or '(direct mode: none)'}", flush=True)
    print("  control API: POST /sandbox/offramps/{referenceId}/deposit | /advance, GET /sandbox/webhooks", flush=True)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
