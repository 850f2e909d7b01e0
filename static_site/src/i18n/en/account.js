// Strings of the account pages.
export default {
};
