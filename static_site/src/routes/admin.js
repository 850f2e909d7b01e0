// Addresses of the admin pages.
import { lazy } from './lazy.js';

export default [
];
