// What Next resolves `server-only` to in a server bundle: nothing. Vitest runs the routes as server code.
export {}
