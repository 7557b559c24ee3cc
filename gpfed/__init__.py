"""gpfed: the platform an English GP federation runs its business on."""
