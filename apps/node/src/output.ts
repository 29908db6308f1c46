/** How a command reports: human lines, or one JSON object per line for programs (`--json`). */
export interface Output {
  /** An event with a human rendering. */
  event(name: string, fields: Record<string, unknown>, human: string): void
}

export function createOutput(json: boolean, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Output {
  return {
    event(name, fields, human) {
      write(json ? JSON.stringify({ event: name, ...fields }) : human)
    }
  }
}
