export { eraseTestData, type TestDataErased } from "./data";
