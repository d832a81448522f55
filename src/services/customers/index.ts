export { eraseCustomer } from "./erase";
