// The harness's own page: a module worker started the way packages start theirs, answering one message.
const worker = new Worker(new URL('./echo-worker.js', import.meta.url), { type: 'module', name: 'echo' })

declare global {
  interface Window {
    echo(text: string): Promise<string>
  }
}

window.echo = (text) =>
  new Promise((resolve) => {
    worker.addEventListener('message', (event: MessageEvent<string>) => resolve(event.data), { once: true })
    worker.postMessage(text)
  })
