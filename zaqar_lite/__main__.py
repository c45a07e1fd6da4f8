from zaqar_lite.cli import main

raise SystemExit(main())
