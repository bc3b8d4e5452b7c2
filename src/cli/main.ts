// The `remediator` command line. Subcommands are registered in src/cli/commands/.
console.error('remediator: not built yet');
process.exit(2);
