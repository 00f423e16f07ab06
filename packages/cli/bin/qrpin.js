#!/usr/bin/env node
// Installed entry point: runs the compiled CLI.
import '../dist/main.js';
