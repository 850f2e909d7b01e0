// Strings of the admin pages.
export default {
};
