#!/usr/bin/env node
// Empties dist/ before a build, so files of removed or renamed modules (and source maps of
// earlier builds) are never packed.
const fs = require("node:fs");
const path = require("node:path");

fs.rmSync(path.join(__dirname, "..", "dist"), { recursive: true, force: true });
