declare module 'exportctl-world' {
  const topology: unknown;
  export default topology;
}
