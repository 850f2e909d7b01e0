// Strings of the upload pages.
export default {
};
