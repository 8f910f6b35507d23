#!/bin/sh
# A plain gate before install: npm ci runs only when lockproof passes the
# lockfile (exit 0); a policy failure (1) or an error (2) stops here.
lockproof audit --fail-on high && npm ci
