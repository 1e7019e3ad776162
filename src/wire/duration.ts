// The one duration format lives with the engine (its retry messages use it too); src/wire hands it
// on to the CLI and the web view.
export { formatDuration } from '../engine/duration.js';
