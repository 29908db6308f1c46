// Answers each message with its text and the worker's name, so the page sees the reply came from this worker.
const scope = globalThis as unknown as { name: string; onmessage: ((event: MessageEvent<string>) => void) | null; postMessage(text: string): void }
scope.onmessage = (event) => scope.postMessage(`${scope.name}: ${event.data}`)
