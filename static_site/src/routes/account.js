// Addresses of the account pages.
import { lazy } from './lazy.js';

export default [
];
