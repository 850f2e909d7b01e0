// Addresses of the upload pages.
import { lazy } from './lazy.js';

export default [
];
