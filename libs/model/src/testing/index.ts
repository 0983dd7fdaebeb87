// Test helpers shared by the projects' tests (`@weft/model/testing`); never imported by production code.
export { goldenJson } from './golden-json.js';
