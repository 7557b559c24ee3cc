from gpfed.cli import main

raise SystemExit(main())
