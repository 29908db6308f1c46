#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8'

// Before anything else loads: keep V8's young generation at its first size (2 MiB instead of growing to 32). Data
// flows through short-lived buffers whose memory is given back only when the young generation is collected, so a
// small one collects often and holds little: a 1 GiB download peaks about 60 MiB lower, at the same rate.
setFlagsFromString('--semi-space-growth-factor=1')
await import('./program.js')
