"""Rich renderings of the project's values, one module per thing shown."""
