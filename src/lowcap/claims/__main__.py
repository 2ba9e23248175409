from lowcap.claims import main

raise SystemExit(main())
